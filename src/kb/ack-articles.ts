/**
 * Up to three published articles for a new case's acknowledgement, in the customer's language, matching the
 * subject and description, linked to their page on the public knowledge base portal (the same portal the web
 * forms suggest from). Only called for mailboxes with `ackArticles` > 0, so a mailbox without it costs no
 * query; acknowledgements themselves never answer automatic mail (notification-plan.ts).
 */
import type { Db } from "../db/client.ts";
import { KB_LANGUAGES, type KbLanguage } from "./visibility.ts";
import { kbContext, searchArticles } from "./kb.service.ts";
import { webFormKbPortal } from "./suggest-view.ts";

export interface AckArticle {
  title: string;
  url: string;
}

export async function ackArticles(db: Db, input: { count: number; locale: string; subject: string; description: string; publicUrl: string | undefined; now: Date }): Promise<AckArticle[]> {
  if (input.count <= 0 || !input.publicUrl) return [];
  const portals = await db.portal.findMany({ where: { active: true }, select: { key: true, path: true } });
  const portal = await webFormKbPortal(db, portals);
  if (!portal) return [];
  const base = input.locale.slice(0, 2).toLowerCase();
  const language: KbLanguage = (KB_LANGUAGES as readonly string[]).includes(base) ? (base as KbLanguage) : "en";
  const ctx = await kbContext(db, portal.key, { language, signedIn: false }, input.now);
  if (!ctx) return [];
  // The subject says what the case is about; the start of the description adds words without drowning it.
  const query = `${input.subject} ${input.description.slice(0, 300)}`;
  const hits = await searchArticles(db, ctx, query, Math.min(3, input.count));
  return hits.map((h) => ({ title: h.article.title, url: `${input.publicUrl!.replace(/\/$/, "")}${portal.path}/kb/articles/${h.article.id}-${h.article.slug}` }));
}

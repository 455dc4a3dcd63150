/**
 * The deflection metric of knowledge base suggestions. A visit is one new-case form shown to someone (its id
 * is random, made by the server into the page); its events are the articles suggested ("shown"), an article
 * opened from a suggestion ("opened") and the form sent ("submitted"). A visit that opened a suggestion and
 * sent no form within the window counts as a deflection: the customer found the answer instead of writing.
 * Only the id of a visit is stored, nothing about the person.
 */
import { z } from "zod";
import type { DbOrTx } from "../db/client.ts";

/** The id of a visit as it comes back from the page (query string or form field). */
export const VisitIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,40}$/);

/** A visit that opened a suggestion counts once this long has passed without a submitted form. */
export const DEFLECTION_WINDOW_MS = 30 * 60_000;

export type SuggestionEventKind = "shown" | "opened" | "submitted";

/** Records events of a visit; an article shown (or opened) twice in one visit is counted once. */
export async function recordSuggestionEvent(db: DbOrTx, portalKey: string, visitId: string, kind: SuggestionEventKind, articleIds: readonly number[] = [], now: Date = new Date()): Promise<void> {
  if (kind === "submitted") {
    await db.kbSuggestionEvent.create({ data: { portalKey, visitId, kind, createdAt: now } });
    return;
  }
  if (articleIds.length === 0) return;
  const seen = new Set((await db.kbSuggestionEvent.findMany({ where: { visitId, kind, articleId: { in: [...articleIds] } }, select: { articleId: true } })).map((e) => e.articleId));
  const fresh = [...new Set(articleIds)].filter((id) => !seen.has(id));
  if (fresh.length) await db.kbSuggestionEvent.createMany({ data: fresh.map((articleId) => ({ portalKey, visitId, kind, articleId, createdAt: now })) });
}

/** One visit, as the counting needs it. */
export interface VisitSummary {
  portalKey: string;
  shown: boolean;
  firstOpenedAt: Date | null;
  submitted: boolean;
}

export interface SuggestionStats {
  portalKey: string;
  /** Visits that were shown at least one suggestion. */
  visitsShown: number;
  /** Visits that opened at least one suggested article. */
  visitsOpened: number;
  /** Visits that sent the form (with or without suggestions). */
  visitsSubmitted: number;
  /** Opened a suggestion, and no form sent within the window. */
  deflections: number;
}

/** The counts per portal; a visit still inside its window is not (yet) a deflection. */
export function summarizeVisits(visits: readonly VisitSummary[], now: Date, windowMs: number = DEFLECTION_WINDOW_MS): SuggestionStats[] {
  const by = new Map<string, SuggestionStats>();
  for (const v of visits) {
    const s = by.get(v.portalKey) ?? { portalKey: v.portalKey, visitsShown: 0, visitsOpened: 0, visitsSubmitted: 0, deflections: 0 };
    if (v.shown) s.visitsShown++;
    if (v.firstOpenedAt) s.visitsOpened++;
    if (v.submitted) s.visitsSubmitted++;
    if (v.firstOpenedAt && !v.submitted && now.getTime() - v.firstOpenedAt.getTime() >= windowMs) s.deflections++;
    by.set(v.portalKey, s);
  }
  return [...by.values()].sort((a, b) => a.portalKey.localeCompare(b.portalKey));
}

/** The visits since `since`, one row each (grouped in PostgreSQL), then counted by summarizeVisits. */
export async function suggestionStats(db: DbOrTx, now: Date, since: Date, windowMs: number = DEFLECTION_WINDOW_MS): Promise<SuggestionStats[]> {
  const rows = await db.$queryRaw<{ portalKey: string; shown: boolean; firstOpenedAt: Date | null; submitted: boolean }[]>`
    SELECT "portalKey",
           bool_or(kind = 'shown') AS shown,
           min("createdAt") FILTER (WHERE kind = 'opened') AS "firstOpenedAt",
           bool_or(kind = 'submitted') AS submitted
      FROM "KbSuggestionEvent"
     WHERE "createdAt" >= ${since}
     GROUP BY "portalKey", "visitId"`;
  return summarizeVisits(rows, now, windowMs);
}

/**
 * A case's solution as a Draft knowledge base article (`#solution …`, or `#close`/`#resolve` with `#kb`, in an
 * agent's reply). Written in the reply's transaction: key `case-<number>`, in the requester's language,
 * titled with the case subject, linked to the case. Never visible on a portal until someone publishes it
 * (`mailcase kb publish`). A second solution for the same case replaces the text of a draft still in review;
 * an article already published is left alone (its next version goes through publishing again).
 */
import type { Prisma } from "../generated/prisma/client.ts";
import { slugify } from "./front-matter.ts";
import { refreshSearch } from "./search-index.ts";
import { KB_LANGUAGES, type KbLanguage } from "./visibility.ts";

export interface SolutionDraftInput {
  caseId: number;
  agentId: number;
  solution: string;
}

export async function createSolutionDraft(tx: Prisma.TransactionClient, input: SolutionDraftInput): Promise<{ articleId: number; key: string; language: KbLanguage; created: boolean } | null> {
  const c = await tx.case.findUniqueOrThrow({ where: { id: input.caseId }, select: { number: true, subject: true, contacts: { where: { role: "REQUESTER" }, select: { contact: { select: { locale: true } } } } } });
  const locale = (c.contacts[0]?.contact.locale ?? "en").slice(0, 2).toLowerCase();
  const language: KbLanguage = (KB_LANGUAGES as readonly string[]).includes(locale) ? (locale as KbLanguage) : "en";
  const key = `case-${c.number}`;
  const existing = await tx.kbArticle.findUnique({ where: { key_language: { key, language } } });
  if (existing && existing.status !== "DRAFT" && existing.status !== "IN_REVIEW") return null;
  const title = c.subject.trim().slice(0, 255) || key;
  const data = { title, body: `${input.solution.trim()}\n`, slug: slugify(title, key), authorAgentId: input.agentId, status: "DRAFT" as const, source: "case" };
  const row = existing
    ? await tx.kbArticle.update({ where: { id: existing.id }, data })
    : await tx.kbArticle.create({ data: { key, language, translationGroup: key, ...data } });
  await tx.kbArticleCase.createMany({ data: [{ articleId: row.id, caseId: input.caseId }], skipDuplicates: true });
  await refreshSearch(tx, [row.id]);
  return { articleId: row.id, key, language, created: !existing };
}

/**
 * The writers of knowledge base articles used by every channel (files, mail, CLI): status changes, version
 * history and search columns in the caller's transaction, so an article is never published without its
 * version row or searchable with stale text.
 */
import type { Prisma } from "../generated/prisma/client.ts";
import type { KbArticleStatus } from "../kernel/domain-types.ts";
import { refreshSearch } from "./search-index.ts";

type Tx = Prisma.TransactionClient;

/** Stores the article's current content as its next published version (every published change is kept). */
export async function recordPublishedVersion(tx: Tx, articleId: number, publishedBy: string, now: Date): Promise<number> {
  const a = await tx.kbArticle.update({ where: { id: articleId }, data: { version: { increment: 1 } }, include: { portals: true } });
  await tx.kbArticleVersion.create({
    data: { articleId, version: a.version, title: a.title, summary: a.summary, body: a.body, language: a.language, expiresAt: a.expiresAt, portals: a.portals.map((p) => p.portalKey).sort(), publishedBy, publishedAt: now },
  });
  return a.version;
}

/** Sets the status; publishing (again) records a version and, with `portals`, replaces the portal list. */
export async function setStatus(tx: Tx, articleId: number, status: KbArticleStatus, input: { actor: string; now: Date; portals?: string[]; reviewerAgentId?: number | null; rejectedReason?: string | null }): Promise<void> {
  const before = await tx.kbArticle.findUniqueOrThrow({ where: { id: articleId } });
  if (input.portals) {
    await tx.kbArticlePortal.deleteMany({ where: { articleId } });
    await tx.kbArticlePortal.createMany({ data: [...new Set(input.portals)].map((portalKey) => ({ articleId, portalKey })) });
  }
  await tx.kbArticle.update({
    where: { id: articleId },
    data: {
      status,
      ...(status === "PUBLISHED" && before.status !== "PUBLISHED" ? { publishedAt: input.now } : {}),
      ...(input.reviewerAgentId !== undefined ? { reviewerAgentId: input.reviewerAgentId } : {}),
      ...(input.rejectedReason !== undefined ? { rejectedReason: input.rejectedReason } : {}),
    },
  });
  if (status === "PUBLISHED" && (before.status !== "PUBLISHED" || input.portals)) await recordPublishedVersion(tx, articleId, input.actor, input.now);
}

/** Rewrites the positions of a category's articles in the given order (10, 20, 30 … leaves room between). */
export async function orderCategory(tx: Tx, categoryId: number, articleIds: readonly number[]): Promise<void> {
  for (const [i, articleId] of articleIds.entries()) await tx.kbArticleCategory.update({ where: { articleId_categoryId: { articleId, categoryId } }, data: { position: (i + 1) * 10 } });
}

export { refreshSearch };

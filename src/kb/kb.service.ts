/**
 * The knowledge base as a portal reader sees it: categories, category pages, articles, search, votes and
 * suggestions. Every read goes through the one visibility rule: a query narrows the candidates (published,
 * this portal, not expired, readable language, exposed category) and visibility.ts decides on the loaded rows
 * (the same rule again, plus the choice between translations), so a query mistake can hide an article but
 * never show one the rule forbids.
 */
import type { Db } from "../db/client.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { KbPortalPolicy } from "./kb-config.ts";
import { loadKbPolicy } from "./kb-apply.ts";
import { readQuery, tsQueryText } from "./search-query.ts";
import { exposedCategories, readableLanguages, visibleArticles, type CategoryTree, type KbArticleFacts, type KbReader } from "./visibility.ts";

export interface KbCategoryRow {
  id: number;
  key: string;
  parentKey: string | null;
  names: Record<string, string>;
  position: number;
}

export interface KbContext {
  policy: KbPortalPolicy;
  tree: CategoryTree;
  categories: KbCategoryRow[];
  exposed: Set<string>;
  reader: KbReader;
  now: Date;
}

const articleInclude = { portals: { select: { portalKey: true } }, categories: { include: { category: { select: { key: true, active: true } } } } } satisfies Prisma.KbArticleInclude;
type ArticleRow = Prisma.KbArticleGetPayload<{ include: typeof articleInclude }>;
/** An article row with the facts the visibility rule reads (portal keys, active category keys). */
export type KbArticleView = Omit<ArticleRow, "portals"> & KbArticleFacts & { portals: string[]; categoryKeys: string[] };

function toFacts(r: ArticleRow): KbArticleView {
  return { ...r, portals: r.portals.map((p) => p.portalKey), categoryKeys: r.categories.filter((c) => c.category.active).map((c) => c.category.key) };
}

/** The reader's context on a portal, or null when the portal has no knowledge base. */
export async function kbContext(db: Db, portalKey: string, reader: KbReader, now: Date): Promise<KbContext | null> {
  const policy = await loadKbPolicy(db, portalKey);
  if (!policy) return null;
  const rows = await db.kbCategory.findMany({ where: { active: true }, include: { parent: { select: { key: true, active: true } } }, orderBy: [{ position: "asc" }, { key: "asc" }] });
  const categories = rows.map((r) => ({ id: r.id, key: r.key, parentKey: r.parent?.active ? r.parent.key : r.parent ? "\u0000inactive" : null, names: r.names as Record<string, string>, position: r.position }));
  // A category under an inactive parent is cut off with it (its lineage ends at a key the tree lacks).
  const tree: CategoryTree = new Map(categories.filter((c) => c.parentKey !== "\u0000inactive").map((c) => [c.key, c.parentKey]));
  return { policy, tree, categories: categories.filter((c) => tree.has(c.key)), exposed: new Set(exposedCategories(tree, policy.categories, reader.signedIn)), reader, now };
}

/** The query half of the rule: narrows, never widens (visibility.ts decides on what it returns). */
export function candidateWhere(ctx: KbContext): Prisma.KbArticleWhereInput {
  const exposedIds = ctx.categories.filter((c) => ctx.exposed.has(c.key)).map((c) => c.id);
  return {
    status: "PUBLISHED",
    portals: { some: { portalKey: ctx.policy.portalKey } },
    OR: [{ expiresAt: null }, { expiresAt: { gt: ctx.now } }],
    language: { in: readableLanguages(ctx.policy, ctx.reader) },
    AND: [{ OR: [{ categories: { some: { categoryId: { in: exposedIds } } } }, ...(ctx.policy.categories.include === undefined ? [{ categories: { none: {} } }] : [])] }],
  };
}

/** The visible ones among `rows`, after loading the reader-language translations that may replace them. */
async function decide(db: Db, ctx: KbContext, rows: ArticleRow[]): Promise<KbArticleView[]> {
  const groups = [...new Set(rows.map((r) => r.translationGroup))];
  const have = new Set(rows.map((r) => r.id));
  const translations = groups.length && ctx.reader.language !== "en" ? await db.kbArticle.findMany({ where: { translationGroup: { in: groups }, language: ctx.reader.language, id: { notIn: [...have] } }, include: articleInclude }) : [];
  const visible = new Set(visibleArticles([...rows, ...translations].map(toFacts), ctx.policy, ctx.tree, ctx.reader, ctx.now).map((a) => a.id));
  return rows.filter((r) => visible.has(r.id)).map(toFacts);
}

export async function getArticle(db: Db, ctx: KbContext, id: number): Promise<KbArticleView | null> {
  const row = await db.kbArticle.findFirst({ where: { id, ...candidateWhere(ctx) }, include: articleInclude });
  if (!row) return null;
  return (await decide(db, ctx, [row]))[0] ?? null;
}

/** A category's visible articles in their order (position, then title). */
export async function categoryArticles(db: Db, ctx: KbContext, categoryKey: string): Promise<KbArticleView[]> {
  const cat = ctx.categories.find((c) => c.key === categoryKey);
  if (!cat || !ctx.exposed.has(categoryKey)) return [];
  const links = await db.kbArticleCategory.findMany({ where: { categoryId: cat.id, article: candidateWhere(ctx) }, include: { article: { include: articleInclude } }, orderBy: [{ position: "asc" }, { article: { title: "asc" } }] });
  return decide(db, ctx, links.map((l) => l.article));
}

export interface SearchHit {
  article: KbArticleView;
  score: number;
}

/**
 * Full-text search in the reader's language (and English where the portal falls back to it). Ranks title over
 * summary over body (tsvector weights A/B/C); diacritics are folded on both sides (unaccent); Chinese is
 * matched by character bigrams; a query with no full-text match falls back to trigram similarity (typos).
 */
export async function searchArticles(db: Db, ctx: KbContext, raw: string, limit: number): Promise<SearchHit[]> {
  const q = readQuery(raw);
  if (q.mode === "empty") return [];
  const langs = readableLanguages(ctx.policy, ctx.reader);
  const exposedIds = ctx.categories.filter((c) => ctx.exposed.has(c.key)).map((c) => c.id);
  const noCategoryOk = ctx.policy.categories.include === undefined;
  // Same narrowing as candidateWhere, in SQL (search needs raw SQL for ranking).
  const base = Prisma.sql`a.status = 'PUBLISHED' AND a.language = ANY(${langs}::text[])
    AND (a."expiresAt" IS NULL OR a."expiresAt" > ${ctx.now})
    AND EXISTS (SELECT 1 FROM "KbArticlePortal" p WHERE p."articleId" = a.id AND p."portalKey" = ${ctx.policy.portalKey})
    AND (EXISTS (SELECT 1 FROM "KbArticleCategory" c WHERE c."articleId" = a.id AND c."categoryId" = ANY(${exposedIds}::int[]))
         OR (${noCategoryOk} AND NOT EXISTS (SELECT 1 FROM "KbArticleCategory" c WHERE c."articleId" = a.id)))`;
  const pool = Math.max(limit * 4, 20);
  let ranked: { id: number; score: number }[];
  if (q.mode === "words") {
    // English rows: the english configuration stems the words. Other rows: simple configuration, cut endings.
    const query = Prisma.sql`(CASE WHEN a.language = 'en' THEN to_tsquery('english', unaccent(${tsQueryText(q.words, false)})) ELSE to_tsquery('simple', unaccent(${tsQueryText(q.words, true)})) END)`;
    ranked = await db.$queryRaw<{ id: number; score: number }[]>`
      SELECT a.id, ts_rank('{0.1, 0.2, 0.4, 1.0}', a."searchVector", ${query})::float8 AS score
      FROM "KbArticle" a
      WHERE ${base} AND a."searchVector" @@ ${query}
      ORDER BY score DESC, a.id ASC LIMIT ${pool}`;
    if (ranked.length === 0) {
      const folded = q.words.join(" ");
      ranked = await db.$queryRaw<{ id: number; score: number }[]>`
        SELECT a.id, (2 * word_similarity(lower(unaccent(${folded})), a."searchTitle") + word_similarity(lower(unaccent(${folded})), a."searchText"))::float8 AS score
        FROM "KbArticle" a
        WHERE ${base} AND word_similarity(lower(unaccent(${folded})), a."searchText") >= 0.5
        ORDER BY score DESC, a.id ASC LIMIT ${pool}`;
    }
  } else {
    const patterns = q.grams.map((g) => `%${g}%`);
    ranked = await db.$queryRaw<{ id: number; score: number }[]>`
      SELECT a.id, (SELECT sum(CASE WHEN a."searchTitle" LIKE '%' || g || '%' THEN 3 ELSE 0 END + CASE WHEN a."searchText" LIKE '%' || g || '%' THEN 1 ELSE 0 END) FROM unnest(${q.grams}::text[]) AS g)::float8 AS score
      FROM "KbArticle" a
      WHERE ${base} AND a."searchText" LIKE ANY(${patterns}::text[])
      ORDER BY score DESC, a.id ASC LIMIT ${pool}`;
  }
  if (ranked.length === 0) return [];
  const rows = await db.kbArticle.findMany({ where: { id: { in: ranked.map((r) => r.id) } }, include: articleInclude });
  const visible = new Map((await decide(db, ctx, rows)).map((a) => [a.id, a]));
  return ranked.flatMap((r) => (visible.has(r.id) ? [{ article: visible.get(r.id)!, score: r.score }] : [])).slice(0, limit);
}

/** Counts a vote on a visible article; false when the reader may not see it (nothing counted). */
export async function vote(db: Db, ctx: KbContext, id: number, helpful: boolean): Promise<boolean> {
  if (!(await getArticle(db, ctx, id))) return false;
  // Raw SQL: a vote is not an edit (Prisma's @updatedAt would move the article's "updated" date).
  if (helpful) await db.$executeRaw`UPDATE "KbArticle" SET "helpfulCount" = "helpfulCount" + 1 WHERE id = ${id}`;
  else await db.$executeRaw`UPDATE "KbArticle" SET "unhelpfulCount" = "unhelpfulCount" + 1 WHERE id = ${id}`;
  return true;
}

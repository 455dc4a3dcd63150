/**
 * Keeps the search columns of KbArticle in step with its text (called in the same transaction as every
 * write). The tsvector is weighted — title A, summary B, body C — so ranking puts title matches first; the
 * text is unaccented so "hesl" finds "heslo" and "zolc" finds "żółć". English uses PostgreSQL's english
 * configuration (stemming, stop words); Czech, Polish and Chinese use `simple` (PostgreSQL ships no Czech or
 * Polish dictionary). Chinese is found by n-grams on `searchText` (see kb-search.ts), not by the tsvector.
 */
import type { DbOrTx } from "../db/client.ts";
import { markdownToText } from "./markdown.ts";

export const tsConfig = (language: string): "english" | "simple" => (language === "en" ? "english" : "simple");

export async function refreshSearch(db: DbOrTx, articleIds: readonly number[]): Promise<void> {
  // One statement per batch: a sync of hundreds of files (or a 10,000-article benchmark) must not cost one
  // round trip per article.
  for (let i = 0; i < articleIds.length; i += 500) {
    const rows = await db.kbArticle.findMany({ where: { id: { in: articleIds.slice(i, i + 500) } }, select: { id: true, language: true, title: true, summary: true, body: true } });
    if (rows.length === 0) continue;
    const ids = rows.map((r) => r.id);
    const configs = rows.map((r) => tsConfig(r.language));
    const plains = rows.map((r) => markdownToText(r.body));
    await db.$executeRaw`
      UPDATE "KbArticle" AS a SET
        "searchTitle" = lower(unaccent(a.title)),
        "searchText" = lower(unaccent(a.title || E'\n' || a.summary || E'\n' || v.plain)),
        "searchVector" = setweight(to_tsvector(v.cfg::regconfig, unaccent(a.title)), 'A')
          || setweight(to_tsvector(v.cfg::regconfig, unaccent(a.summary)), 'B')
          || setweight(to_tsvector(v.cfg::regconfig, unaccent(v.plain)), 'C')
      FROM unnest(${ids}::int[], ${configs}::text[], ${plains}::text[]) AS v(id, cfg, plain)
      WHERE a.id = v.id`;
  }
}

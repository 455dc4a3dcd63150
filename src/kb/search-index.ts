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
  if (articleIds.length === 0) return;
  const rows = await db.kbArticle.findMany({ where: { id: { in: [...articleIds] } }, select: { id: true, language: true, title: true, summary: true, body: true } });
  for (const r of rows) {
    const plain = markdownToText(r.body);
    const cfg = tsConfig(r.language);
    await db.$executeRaw`
      UPDATE "KbArticle" SET
        "searchTitle" = lower(unaccent(${r.title})),
        "searchText" = lower(unaccent(${`${r.title}\n${r.summary}\n${plain}`})),
        "searchVector" = setweight(to_tsvector(${cfg}::regconfig, unaccent(${r.title})), 'A')
          || setweight(to_tsvector(${cfg}::regconfig, unaccent(${r.summary})), 'B')
          || setweight(to_tsvector(${cfg}::regconfig, unaccent(${plain})), 'C')
      WHERE id = ${r.id}`;
  }
}

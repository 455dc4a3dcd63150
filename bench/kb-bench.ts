/**
 * `npm run bench:kb`: search latency of the knowledge base over ARTICLES published articles (default 10,000:
 * a quarter each in en, cs, pl and zh, spread over 20 categories, two portals). Seeds a fresh database,
 * fills the search columns with the same code as every write (search-index.ts), then runs QUERIES searches
 * (default 400) through the portal's search service, mixed over the four languages, and prints one line:
 * p50 and p99 per search.
 *
 *   BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/mailcase_bench_kb)  ARTICLES=10000 QUERIES=400
 */
import { createDb } from "../src/db/client.ts";
import { kbContext, searchArticles } from "../src/kb/kb.service.ts";
import { refreshSearch } from "../src/kb/search-index.ts";
import type { KbLanguage } from "../src/kb/visibility.ts";
import { freshDatabase } from "./fresh-database.ts";

const DB_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/mailcase_bench_kb";
const ARTICLES = Number(process.env.ARTICLES ?? 10_000);
const QUERIES = Number(process.env.QUERIES ?? 400);

const WORDS: Record<KbLanguage, string[]> = {
  en: "password invoice printer network account email refund security login download update install connection server mobile backup report export calendar".split(" "),
  cs: "heslo faktura tiskárna síť účet e-mail vrácení zabezpečení přihlášení stažení aktualizace instalace připojení server mobil záloha přehled export kalendář".split(" "),
  pl: "hasło faktura drukarka sieć konto e-mail zwrot bezpieczeństwo logowanie pobieranie aktualizacja instalacja połączenie serwer telefon kopia raport eksport kalendarz".split(" "),
  zh: "密码 发票 打印机 网络 账户 邮件 退款 安全 登录 下载 更新 安装 连接 服务器 手机 备份 报告 导出 日历".split(" "),
};
const LANGS: KbLanguage[] = ["en", "cs", "pl", "zh"];

/** Deterministic pseudo-random numbers (the same corpus on every run). */
let seed = 42;
const rnd = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % n);
const pick = (lang: KbLanguage, n: number) => Array.from({ length: n }, () => WORDS[lang][rnd(WORDS[lang].length)]!).join(lang === "zh" ? "" : " ");

async function main(): Promise<void> {
  await freshDatabase(DB_URL);
  const db = createDb(DB_URL);
  await db.kbPortalSetting.create({ data: { portalKey: "main", public: true, fallbackToEn: false, categories: { exclude: ["cat-19"], signedIn: [] } } });
  const cats: { id: number }[] = [];
  for (let i = 0; i < 20; i++) cats.push(await db.kbCategory.create({ data: { key: `cat-${i}`, names: { en: `Category ${i}` }, position: i } }));
  for (let start = 0; start < ARTICLES; start += 500) {
    const rows = Array.from({ length: Math.min(500, ARTICLES - start) }, (_, j) => {
      const i = start + j;
      const lang = LANGS[i % 4]!;
      return { key: `a-${Math.floor(i / 4)}`, language: lang, slug: `a-${i}`, translationGroup: `a-${Math.floor(i / 4)}`, title: pick(lang, 4), summary: pick(lang, 8), body: `${pick(lang, 60)}\n\n${pick(lang, 60)}`, status: i % 20 === 0 ? ("DRAFT" as const) : ("PUBLISHED" as const), publishedAt: new Date() };
    });
    await db.kbArticle.createMany({ data: rows });
  }
  const all = await db.kbArticle.findMany({ select: { id: true }, orderBy: { id: "asc" } });
  await db.kbArticlePortal.createMany({ data: all.flatMap((a, i) => (i % 3 === 0 ? [{ articleId: a.id, portalKey: "main" }, { articleId: a.id, portalKey: "other" }] : [{ articleId: a.id, portalKey: "main" }])) });
  await db.kbArticleCategory.createMany({ data: all.map((a, i) => ({ articleId: a.id, categoryId: cats[i % 20]!.id, position: i })) });
  for (let i = 0; i < all.length; i += 500) await refreshSearch(db, all.slice(i, i + 500).map((a) => a.id));
  await db.$executeRawUnsafe(`ANALYZE "KbArticle"`);

  const times: number[] = [];
  let hits = 0;
  for (let i = 0; i < QUERIES + 20; i++) {
    const lang = LANGS[i % 4]!;
    const q = pick(lang, 1 + rnd(3));
    const t0 = performance.now();
    const ctx = (await kbContext(db, "main", { language: lang, signedIn: false }, new Date()))!;
    const found = await searchArticles(db, ctx, q, 10);
    const ms = performance.now() - t0;
    if (i >= 20) {
      times.push(ms); // the first 20 warm the caches and the connection pool
      hits += found.length;
    }
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!.toFixed(1);
  console.log(`kb search: ${ARTICLES} articles (4 languages), ${times.length} queries: p50 ${at(50)} ms, p99 ${at(99)} ms, ${(hits / times.length).toFixed(1)} hits/query`);
  await db.$disconnect();
}

await main();

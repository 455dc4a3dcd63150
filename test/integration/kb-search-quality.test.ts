/**
 * Search quality on a small multilingual fixture written for this test (test/fixtures/kb: 8 topics in en, cs,
 * pl and zh): queries a customer would type, with and without diacritics, each with the article expected on
 * top. Prints precision at 1 and at 3 per language and overall; fails below the bar we hold ourselves to.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kbContext, searchArticles } from "../../src/kb/kb.service.ts";
import { syncKb } from "../../src/kb/sync.service.ts";
import type { KbLanguage } from "../../src/kb/visibility.ts";
import { labConfig, rand, startApp, type App } from "../support/harness.ts";

const FIXTURE = path.resolve(import.meta.dirname, "../fixtures/kb");

/** [language, query, expected article key] */
const QUERIES: [KbLanguage, string, string][] = [
  ["en", "forgot password", "reset-password"],
  ["en", "reset my password", "reset-password"],
  ["en", "invoice pdf", "download-invoice"],
  ["en", "download invoices", "download-invoice"],
  ["en", "vpn connection drops", "vpn"],
  ["en", "printer offline", "printer"],
  ["en", "refund unused months", "refunds"],
  ["en", "authenticator app", "two-factor"],
  ["en", "change email", "change-email"],
  ["en", "pasword", "reset-password"],
  ["cs", "zapomenuté heslo", "reset-password"],
  ["cs", "zapomenute heslo", "reset-password"],
  ["cs", "faktura pdf", "download-invoice"],
  ["cs", "tiskárna", "printer"],
  ["cs", "tiskarna offline", "printer"],
  ["cs", "vrácení peněz", "refunds"],
  ["cs", "vraceni penez", "refunds"],
  ["cs", "dvoufázové ověření", "two-factor"],
  ["cs", "zmena emailove adresy", "change-email"],
  ["cs", "připojení vpn", "vpn"],
  ["pl", "zapomniałem hasła", "reset-password"],
  ["pl", "zapomnialem hasla", "reset-password"],
  ["pl", "faktura", "download-invoice"],
  ["pl", "drukarka offline", "printer"],
  ["pl", "zwrot pieniędzy", "refunds"],
  ["pl", "zwrot pieniedzy", "refunds"],
  ["pl", "uwierzytelnianie dwuskładnikowe", "two-factor"],
  ["pl", "zmiana adresu email", "change-email"],
  ["pl", "łączenie vpn", "vpn"],
  ["pl", "laczenie vpn", "vpn"],
  ["zh", "忘记密码", "reset-password"],
  ["zh", "重置密码", "reset-password"],
  ["zh", "下载发票", "download-invoice"],
  ["zh", "发票", "download-invoice"],
  ["zh", "打印机离线", "printer"],
  ["zh", "退款", "refunds"],
  ["zh", "双重身份验证", "two-factor"],
  ["zh", "更改邮件地址", "change-email"],
  ["zh", "VPN 连接中断", "vpn"],
];

const id = rand();
let app: App;

beforeAll(async () => {
  app = await startApp(
    labConfig(id, (doc) => {
      doc.portals = [{ key: "main", path: "/portal", name: "Main" }, { key: "members", path: "/members", name: "Members" }, { key: "partners", path: "/partners", name: "Partners" }];
      doc.kb = { portals: [{ portal: "main", public: true }] };
    }),
    { roles: [] },
  );
  await syncKb(app.rt.deps.db, FIXTURE, { dryRun: false, now: new Date() });
});
afterAll(async () => app?.close());

describe("search quality", () => {
  it("puts the expected article first for most queries and in the top 3 for nearly all", async () => {
    const db = app.rt.deps.db;
    const keyOf = new Map((await db.kbArticle.findMany({ select: { id: true, key: true } })).map((a) => [a.id, a.key]));
    const per: Record<string, { n: number; p1: number; p3: number }> = {};
    const misses: string[] = [];
    for (const [lang, q, expected] of QUERIES) {
      const ctx = (await kbContext(db, "main", { language: lang, signedIn: false }, new Date()))!;
      const hits = (await searchArticles(db, ctx, q, 3)).map((h) => keyOf.get(h.article.id));
      const s = (per[lang] ??= { n: 0, p1: 0, p3: 0 });
      s.n++;
      if (hits[0] === expected) s.p1++;
      if (hits.includes(expected)) s.p3++;
      if (hits[0] !== expected) misses.push(`${lang} "${q}": expected ${expected}, got ${hits.join(", ") || "nothing"}`);
    }
    const total = Object.values(per).reduce((a, s) => ({ n: a.n + s.n, p1: a.p1 + s.p1, p3: a.p3 + s.p3 }), { n: 0, p1: 0, p3: 0 });
    const fmt = (s: { n: number; p1: number; p3: number }) => `P@1 ${(s.p1 / s.n).toFixed(2)} P@3 ${(s.p3 / s.n).toFixed(2)} (${s.n} queries)`;
    for (const [lang, s] of Object.entries(per)) console.log(`kb search quality ${lang}: ${fmt(s)}`);
    console.log(`kb search quality all: ${fmt(total)}${misses.length ? `\n  not first: ${misses.join("\n  not first: ")}` : ""}`);
    expect(total.p1 / total.n).toBeGreaterThanOrEqual(0.85);
    expect(total.p3 / total.n).toBeGreaterThanOrEqual(0.95);
  });
});

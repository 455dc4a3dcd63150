/**
 * The knowledge base on the portal over HTTP (Fastify inject) against PostgreSQL, with the fixture folder
 * test/fixtures/kb applied by `kb sync`: browse categories, read, vote (CSRF), search in each language, the
 * suggestion endpoint, public vs signed-in-only, and every invisible article — draft, expired, another
 * portal, another language, hidden category — answering exactly like an id that never existed.
 */
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webOptions } from "../../src/app/runtime.ts";
import { syncKb } from "../../src/kb/sync.service.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { labConfig, rand, startApp, testEnv, type App } from "../support/harness.ts";
import { Browser, pageText, signIn } from "../support/portal.ts";

const FIXTURE = path.resolve(import.meta.dirname, "../fixtures/kb");
const id = rand();
const member = `member-${id}@acme.test`;
let app: App;
let web: FastifyInstance;
const ids = new Map<string, number>();
const art = (key: string, lang = "en") => ids.get(`${key}.${lang}`)!;

beforeAll(async () => {
  const cfg = labConfig(id, (doc) => {
    (doc.contacts as unknown[]).push({ email: member, name: "Mia Member", account: "acme", portal: true });
    doc.portals = [
      { key: "main", path: "/portal", name: "Main portal" },
      { key: "members", path: "/members", name: "Members" },
      { key: "partners", path: "/partners", name: "Partners" },
    ];
    doc.kb = {
      portals: [
        { portal: "main", public: true, fallbackToEn: false, categories: { exclude: ["internal"] } },
        { portal: "members", public: false, fallbackToEn: true, categories: { include: ["account", "billing"] } },
      ],
    };
  });
  app = await startApp(cfg, { env: testEnv(), roles: [] });
  const r = await syncKb(app.rt.deps.db, FIXTURE, { dryRun: false, now: new Date() });
  expect(r.applied).toBe(true);
  for (const a of await app.rt.deps.db.kbArticle.findMany()) ids.set(`${a.key}.${a.language}`, a.id);
  web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, { publicUrl: "http://127.0.0.1:8080", signInLimits: { perIpPerHour: 10_000, globalPerHour: 10_000, perAddress15Min: 1000, perAddressDay: 1000 }, pageRatePerMinute: 1_000_000, portalCacheMs: 0 }));
});
afterAll(async () => {
  await web?.close();
  await app?.close();
});

const titles = (html: string) => [...html.matchAll(/<a href="[^"]*\/kb\/articles\/\d+[^"]*"[^>]*>([^<]+)<\/a>/g)].map((m) => m[1]);

describe("browsing a public knowledge base", () => {
  it("home lists the exposed categories in the reader's language, never the excluded one", async () => {
    const b = new Browser(web);
    const en = await b.get("/portal/kb?lang=en");
    expect(en.statusCode).toBe(200);
    expect(en.body).toContain("Account and sign-in");
    expect(en.body).toContain("Security");
    expect(en.body).toContain("Billing");
    expect(en.body).not.toContain("Internal notes");
    const cs = await b.get("/portal/kb?lang=cs");
    expect(cs.body).toContain("Znalostní báze");
    expect(cs.body).toContain("Fakturace");
  });

  it("a category page lists its articles in their order, in the reader's language", async () => {
    const b = new Browser(web);
    expect(titles((await b.get("/portal/kb/categories/billing?lang=en")).body)).toEqual(["Download an invoice", "Request a refund"]);
    expect(titles((await b.get("/portal/kb/categories/billing?lang=pl")).body)).toEqual(["Pobieranie faktury", "Zwrot pieniędzy"]);
    // Expired "Winter password offer" is in billing too: gone without any job having run.
    expect((await b.get("/portal/kb/categories/billing?lang=en")).body).not.toContain("Winter password offer");
    expect((await b.get("/portal/kb/categories/internal?lang=en")).statusCode).toBe(404);
  });

  it("an article renders its Markdown sanitized (no script, no handler)", async () => {
    const res = await new Browser(web).get(`/portal/kb/articles/${art("reset-password")}-reset-your-password?lang=en`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("<strong>Forgot password</strong>");
    expect(res.body).not.toMatch(/<script>alert|onerror=/);
    expect(res.body).toContain("Was this article helpful?");
  });

  it("draft, expired, other-portal, other-language, hidden-category and unknown articles all answer the same 404", async () => {
    const b = new Browser(web);
    const unknown = await b.get("/portal/kb/articles/999999?lang=en");
    expect(unknown.statusCode).toBe(404);
    for (const ref of [art("draft-feature"), art("old-offer"), art("partners-only"), art("reset-password", "cs"), art("escalation")]) {
      const res = await b.get(`/portal/kb/articles/${ref}?lang=en`);
      expect(res.statusCode, `article ${ref}`).toBe(404);
      // Same page as for an id that never existed (only the id in the language links differs).
      expect(pageText(res.body).replaceAll(`/articles/${ref}?`, "/articles/ID?")).toBe(pageText(unknown.body).replaceAll("/articles/999999?", "/articles/ID?"));
    }
  });

  it("an article that expires while published disappears at its expiry instant", async () => {
    const db = app.rt.deps.db;
    const url = `/portal/kb/articles/${art("vpn")}?lang=en`;
    await db.kbArticle.update({ where: { id: art("vpn") }, data: { expiresAt: new Date(Date.now() + 60_000) } });
    expect((await new Browser(web).get(url)).statusCode).toBe(200);
    await db.kbArticle.update({ where: { id: art("vpn") }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await new Browser(web).get(url)).statusCode).toBe(404);
    await db.kbArticle.update({ where: { id: art("vpn") }, data: { expiresAt: null } });
  });
});

describe("was this helpful?", () => {
  it("counts one vote per browser and article, through the CSRF-protected form", async () => {
    const db = app.rt.deps.db;
    const b = new Browser(web);
    const page = `/portal/kb/articles/${art("refunds")}-request-a-refund?lang=en`;
    const first = await b.submit(page, `/portal/kb/articles/${art("refunds")}-request-a-refund/vote`, { helpful: "yes" });
    expect(first.statusCode).toBe(303);
    expect((await b.get(String(first.headers.location))).body).toContain("Thank you for your feedback.");
    // The page now thanks instead of asking; a second POST (token from another page) is not counted either.
    expect((await b.get(page)).body).not.toContain('name="helpful"');
    const again = await b.request("POST", `/portal/kb/articles/${art("refunds")}-request-a-refund/vote`, { _csrf: await b.csrf(`/portal/kb/articles/${art("printer")}?lang=en`), helpful: "yes" });
    expect(again.statusCode).toBe(303);
    await new Browser(web).submit(page, `/portal/kb/articles/${art("refunds")}-request-a-refund/vote`, { helpful: "no" });
    expect(await db.kbArticle.findUniqueOrThrow({ where: { id: art("refunds") }, select: { helpfulCount: true, unhelpfulCount: true } })).toEqual({ helpfulCount: 1, unhelpfulCount: 1 });
  });

  it("refuses a vote without the CSRF token, or from another site, and counts nothing", async () => {
    const db = app.rt.deps.db;
    const b = new Browser(web);
    const page = `/portal/kb/articles/${art("printer")}?lang=en`;
    await b.get(page);
    const noToken = await b.request("POST", `/portal/kb/articles/${art("printer")}/vote`, { helpful: "yes" });
    expect(noToken.statusCode).toBe(403);
    const token = await b.csrf(page);
    const crossSite = await b.request("POST", `/portal/kb/articles/${art("printer")}/vote`, { _csrf: token, helpful: "yes" }, { "sec-fetch-site": "cross-site" });
    expect(crossSite.statusCode).toBe(403);
    expect((await db.kbArticle.findUniqueOrThrow({ where: { id: art("printer") } })).helpfulCount).toBe(0);
  });

  it("a vote on an article the reader may not see is a 404 and counts nothing", async () => {
    const b = new Browser(web);
    const token = await b.csrf(`/portal/kb/articles/${art("printer")}?lang=en`);
    const res = await b.request("POST", `/portal/kb/articles/${art("draft-feature")}/vote`, { _csrf: token, helpful: "yes" });
    expect(res.statusCode).toBe(404);
    expect((await app.rt.deps.db.kbArticle.findUniqueOrThrow({ where: { id: art("draft-feature") } })).helpfulCount).toBe(0);
  });
});

describe("search", () => {
  const top = async (q: string, lang: string) => titles((await new Browser(web).get(`/portal/kb/search?q=${encodeURIComponent(q)}&lang=${lang}`)).body);

  it("finds in each language, with or without diacritics, and only in the reader's language", async () => {
    expect((await top("forgot password", "en"))[0]).toBe("Reset your password");
    expect((await top("zapomenuté heslo", "cs"))[0]).toBe("Obnovení zapomenutého hesla");
    expect((await top("zapomenute heslo", "cs"))[0]).toBe("Obnovení zapomenutého hesla");
    expect((await top("hasło", "pl"))[0]).toBe("Resetowanie hasła");
    expect((await top("haslo", "pl"))[0]).toBe("Resetowanie hasła");
    expect((await top("忘记密码", "zh"))[0]).toBe("重置密码");
    expect(await top("heslo", "en")).toEqual([]);
  });

  it("ranks a title match above a body match", async () => {
    // "password" is in the invoice article's body too; the article titled with it comes first.
    const hits = await top("password", "en");
    expect(hits[0]).toBe("Reset your password");
    expect(hits).toContain("Download an invoice");
  });

  it("never finds drafts, expired articles, other portals' articles or hidden categories", async () => {
    const hits = await top("password", "en");
    for (const hidden of ["Upcoming password manager", "Winter password offer", "Partner password policy", "Escalation checklist"]) expect(hits).not.toContain(hidden);
  });

  it("suggests up to five articles as JSON while a subject is typed", async () => {
    const res = await new Browser(web).get("/portal/kb/suggest?q=printer%20offline&lang=en");
    expect(res.statusCode).toBe(200);
    const body = res.json() as { articles: { title: string; url: string }[] };
    expect(body.articles[0]).toMatchObject({ title: "Printer shows offline", url: expect.stringMatching(/^\/portal\/kb\/articles\/\d+-printer-shows-offline$/) });
    expect(body.articles.length).toBeLessThanOrEqual(5);
  });
});

describe("a signed-in-only knowledge base", () => {
  it("sends visitors to sign in, shows members their language with the English fallback and only the included categories", async () => {
    const visitor = await new Browser(web).get("/members/kb");
    expect(visitor.statusCode).toBe(303);
    expect(visitor.headers.location).toContain("/members/sign-in");
    expect((await new Browser(web).get("/members/kb/suggest?q=invoice")).json()).toEqual({ articles: [] });
    const b = await signIn(web, app.rt.deps.db, member, "/members");
    const home = await b.get("/members/kb?lang=en");
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain("Billing");
    expect(home.body).not.toContain("Devices and network");
    expect((await b.get(`/members/kb/articles/${art("vpn")}?lang=en`)).statusCode).toBe(404);
    // The English fallback is only for articles without a translation: a pl reader gets the pl one, and the
    // English original of a translated article answers 404 to them.
    expect((await b.get(`/members/kb/articles/${art("download-invoice")}?lang=pl`)).statusCode).toBe(404);
    expect((await b.get(`/members/kb/articles/${art("download-invoice", "pl")}?lang=pl`)).statusCode).toBe(200);
  });

  it("a portal without a knowledge base answers 404", async () => {
    expect((await new Browser(web).get("/partners/kb")).statusCode).toBe(404);
  });
});

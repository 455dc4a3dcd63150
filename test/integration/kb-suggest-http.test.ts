/**
 * Knowledge base suggestions on the portal's new-case page over HTTP (Fastify inject, real PostgreSQL): the
 * page carries our own script (no inline script, under the CSP) and a visit id; the suggest endpoint answers
 * up to five articles whose links carry the visit; opening one and sending no case within the window is a
 * deflection, counted in /metrics, while a visit that ends in a case is counted as submitted.
 */
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webOptions } from "../../src/app/runtime.ts";
import { syncKb } from "../../src/kb/sync.service.ts";
import { suggestionStats } from "../../src/kb/suggestion-events.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { labConfig, rand, startApp, testEnv, type App } from "../support/harness.ts";
import { signIn, type Browser } from "../support/portal.ts";

const FIXTURE = path.resolve(import.meta.dirname, "../fixtures/kb");
const id = rand();
const member = `member-${id}@acme.test`;
let app: App;
let web: FastifyInstance;

beforeAll(async () => {
  const cfg = labConfig(id, (doc) => {
    (doc.contacts as unknown[]).push({ email: member, name: "Mia Member", account: "acme", portal: true });
    // The fixture names these portals too; only main has suggestions here.
    doc.portals = [{ key: "main", path: "/portal", name: "Main portal" }, { key: "members", path: "/members", name: "Members" }, { key: "partners", path: "/partners", name: "Partners" }];
    doc.kb = { portals: [{ portal: "main", public: true, categories: { exclude: ["internal"] } }] };
    doc.webForms = [{ key: "contact", title: "Contact support", mailbox: "support", thankYou: "Thanks" }];
  });
  app = await startApp(cfg, { env: testEnv(), roles: [] });
  expect((await syncKb(app.rt.deps.db, FIXTURE, { dryRun: false, now: new Date() })).applied).toBe(true);
  web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, { publicUrl: "http://127.0.0.1:8080", signInLimits: { perIpPerHour: 10_000, globalPerHour: 10_000, perAddress15Min: 1000, perAddressDay: 1000 }, pageRatePerMinute: 1_000_000, portalCacheMs: 0 }));
});
afterAll(async () => {
  await web?.close();
  await app?.close();
});

/** The visit id and suggest URL the new-case page gives its script. */
async function newCasePage(b: Browser): Promise<{ visit: string; url: string; body: string; csp: string }> {
  const res = await b.get("/portal/cases/new?lang=en");
  expect(res.statusCode).toBe(200);
  const url = /data-kb-suggest="([^"]+)"/.exec(res.body)?.[1];
  const visit = /data-kb-visit="([^"]+)"/.exec(res.body)?.[1];
  if (!url || !visit) throw new Error("no suggestions on the new-case page");
  return { visit, url, body: res.body, csp: String(res.headers["content-security-policy"]) };
}

const metric = (text: string, outcome: string) => Number(new RegExp(`^mailcase_kb_suggestion_visits\\{portal="main",outcome="${outcome}"\\} (\\d+)$`, "m").exec(text)?.[1] ?? "NaN");

describe("suggestions while a new case is typed", () => {
  let b: Browser;
  beforeAll(async () => {
    b = await signIn(web, app.rt.deps.db, member);
  });

  it("the page loads our own script (no inline script) and the script is served from the portal", async () => {
    const page = await newCasePage(b);
    expect(page.url).toBe("/portal/kb/suggest");
    expect(page.body).toContain('<script src="/portal/assets/kb-suggest.js" defer></script>');
    expect([...page.body.matchAll(/<script(?![^>]*\bsrc=)[^>]*>/g)]).toEqual([]);
    expect(page.csp).toContain("script-src 'self'");
    const js = await b.get("/portal/assets/kb-suggest.js");
    expect(js.statusCode).toBe(200);
    expect(js.headers["content-type"]).toContain("javascript");
    expect(js.body).toContain("data-kb-suggest");
  });

  it("suggests at most five articles for the subject typed, links carry the visit, opened without a case is a deflection", async () => {
    const db = app.rt.deps.db;
    const { visit } = await newCasePage(b);
    const res = await b.get(`/portal/kb/suggest?q=${encodeURIComponent("reset password")}&v=${visit}`);
    const { articles } = JSON.parse(res.body) as { articles: { title: string; url: string }[] };
    expect(articles.length).toBeGreaterThan(0);
    expect(articles.length).toBeLessThanOrEqual(5);
    expect(articles[0]!.title).toBe("Reset your password");
    expect(articles[0]!.url).toMatch(new RegExp(`^/portal/kb/articles/\\d+-[a-z0-9-]+\\?from=suggest&s=${visit}$`));

    const opened = await b.get(`${articles[0]!.url}&lang=en`);
    expect(opened.statusCode).toBe(200);
    const events = await db.kbSuggestionEvent.findMany({ where: { visitId: visit }, orderBy: { id: "asc" } });
    expect(events.filter((e) => e.kind === "shown").length).toBe(articles.length);
    expect(events.filter((e) => e.kind === "opened").map((e) => e.articleId)).toEqual([Number(/articles\/(\d+)/.exec(articles[0]!.url)![1])]);

    // Within the window it is not a deflection yet; once the window has passed without a case, it is.
    const before = await suggestionStats(db, new Date(), new Date(0));
    expect(before.find((s) => s.portalKey === "main")?.deflections ?? 0).toBe(0);
    await db.kbSuggestionEvent.updateMany({ where: { visitId: visit }, data: { createdAt: new Date(Date.now() - 31 * 60_000) } });
    const metrics = (await web.inject({ url: "/metrics" })).body;
    expect(metric(metrics, "deflected")).toBe(1);
    expect(metric(metrics, "opened")).toBe(1);
    expect(metric(metrics, "shown")).toBe(1);
  });

  it("a visit that ends in a case is counted as submitted, not as a deflection", async () => {
    const { visit } = await newCasePage(b);
    await b.get(`/portal/kb/suggest?q=${encodeURIComponent("invoice")}&v=${visit}`);
    const sent = await b.submit("/portal/cases/new?lang=en", "/portal/cases/new", { subject: "Invoice missing", description: "I cannot find my March invoice.", type: "QUESTION", kbVisit: visit });
    expect(sent.statusCode, sent.body).toBe(303);
    const metrics = (await web.inject({ url: "/metrics" })).body;
    expect(metric(metrics, "submitted")).toBe(1);
    expect(metric(metrics, "shown")).toBe(2);
    expect(metric(metrics, "deflected")).toBe(1);
  });

  it("a visit id that is not one is ignored, and a suggestion without a visit carries no marker", async () => {
    const res = await b.get(`/portal/kb/suggest?q=${encodeURIComponent("reset password")}&v=${encodeURIComponent("x'; DROP")}`);
    const { articles } = JSON.parse(res.body) as { articles: { url: string }[] };
    expect(articles[0]!.url).not.toContain("from=suggest");
    expect(await app.rt.deps.db.kbSuggestionEvent.count({ where: { visitId: "x'; DROP" } })).toBe(0);
  });
});

describe("suggestions on a public web form", () => {
  it("the form's subject asks the public knowledge base portal, through a script served under the form's CSP", async () => {
    const res = await web.inject({ url: "/forms/contact?lang=en" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/<input id="f-subject" name="subject"[^>]* data-kb-suggest="\/portal\/kb\/suggest" data-kb-visit="[A-Za-z0-9_-]{22}"/);
    expect(res.body).toMatch(/<input type="hidden" name="kbVisit" value="[A-Za-z0-9_-]{22}">/);
    expect(res.body).toContain('<script src="/forms/assets/kb-suggest.js" defer></script>');
    expect([...res.body.matchAll(/<script(?![^>]*\bsrc=)[^>]*>/g)]).toEqual([]);
    expect(String(res.headers["content-security-policy"])).toContain("connect-src 'self'");
    const js = await web.inject({ url: "/forms/assets/kb-suggest.js" });
    expect(js.statusCode).toBe(200);
    expect(js.body).toContain("data-kb-suggest");
    // An anonymous visitor gets the public knowledge base's suggestions from the form's page.
    const visit = /data-kb-visit="([^"]+)"/.exec(res.body)![1]!;
    const sug = await web.inject({ url: `/portal/kb/suggest?q=${encodeURIComponent("download invoice")}&v=${visit}&lang=en` });
    expect((JSON.parse(sug.body) as { articles: { title: string }[] }).articles[0]?.title).toBe("Download an invoice");
  });
});

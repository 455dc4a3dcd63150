/**
 * The public knowledge base in a real browser (test/support/browser.ts): KB home in Czech,
 * search with and without diacritics, open an article, vote, and an expired article's URL answering 404;
 * axe-core checks WCAG 2.1 A/AA on each page.
 */
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncKb } from "../../src/kb/sync.service.ts";
import { axe, startBrowserLab, type BrowserLab } from "../support/browser.ts";
import { labConfig, rand, type App } from "../support/harness.ts";

const FIXTURE = path.resolve("test/fixtures/kb");
const id = rand();

let lab: BrowserLab;
let app: App;
let browser: Browser;
let base: string;

beforeAll(async () => {
  const cfg = labConfig(id, (doc) => {
    doc.portals = [
      { key: "main", path: "/portal", name: "ACME Support portal" },
      { key: "members", path: "/members", name: "Members" },
      { key: "partners", path: "/partners", name: "Partners" },
    ];
    doc.kb = { portals: [{ portal: "main", public: true, categories: { exclude: ["internal"] } }] };
    doc.webForms = [{ key: "contact", title: "Contact support", mailbox: "support", thankYou: "Thanks" }];
  });
  lab = await startBrowserLab(cfg, {
    roles: [],
    prepare: async (a) => expect((await syncKb(a.rt.deps.db, FIXTURE, { dryRun: false, now: new Date() })).applied).toBe(true),
    web: { portalCacheMs: 0 },
  });
  ({ app, browser, base } = lab);
}, 120_000);
afterAll(() => lab?.close());

describe("the knowledge base in a browser", () => {
  it("browses in Czech, finds an article with and without diacritics, reads it and votes", async () => {
    const context = await browser.newContext({ locale: "cs-CZ" });
    const page = await context.newPage();
    await page.goto(`${base}/portal/kb?lang=cs`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Znalostní báze");
    await axe(page, "kb home");

    for (const q of ["zapomenuté heslo", "zapomenute heslo"]) {
      await page.goto(`${base}/portal/kb?lang=cs`);
      await page.getByLabel("Hledat ve znalostní bázi").fill(q);
      await page.getByRole("button", { name: "Hledat" }).click();
      await page.waitForURL(/\/portal\/kb\/search\?/);
      await expect(page.getByRole("link", { name: "Obnovení zapomenutého hesla" }).count()).resolves.toBe(1);
    }
    await axe(page, "kb search");

    await page.getByRole("link", { name: "Obnovení zapomenutého hesla" }).click();
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Obnovení zapomenutého hesla");
    await axe(page, "kb article");
    const article = await app.rt.deps.db.kbArticle.findFirstOrThrow({ where: { key: "reset-password", language: "cs" } });
    await page.getByRole("button", { name: "Ano" }).click();
    await page.waitForURL(/voted=1/);
    expect((await app.rt.deps.db.kbArticle.findUniqueOrThrow({ where: { id: article.id } })).helpfulCount).toBe(article.helpfulCount + 1);
    await context.close();
  });

  it("an expired article's URL answers 404", async () => {
    const db = app.rt.deps.db;
    const a = await db.kbArticle.findFirstOrThrow({ where: { key: "change-email", language: "cs" } });
    const context = await browser.newContext();
    const page = await context.newPage();
    const url = `${base}/portal/kb/articles/${a.id}-${a.slug}?lang=cs`;
    expect((await page.goto(url))?.status()).toBe(200);
    await db.kbArticle.update({ where: { id: a.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await page.goto(url))?.status()).toBe(404);
    await context.close();
  });

  it("suggests articles while a web form's subject is typed, under the form's CSP, and counts the one opened", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    const blocked: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
    });
    await page.goto(`${base}/forms/contact?lang=en`);
    await page.locator("#f-subject").pressSequentially("reset password", { delay: 30 });
    const link = page.locator("#kb-suggestions a", { hasText: "Reset your password" });
    await link.waitFor({ state: "visible", timeout: 10_000 });
    expect(await page.locator("#kb-suggestions li").count()).toBeLessThanOrEqual(5);
    const visit = await page.locator("#f-subject").getAttribute("data-kb-visit");
    // The link opens in a new tab (the form keeps what was typed); here in the same one, by its address.
    await page.goto(`${base}${await link.getAttribute("href")}`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Reset your password");
    const opened = await app.rt.deps.db.kbSuggestionEvent.findMany({ where: { visitId: visit!, kind: "opened" } });
    expect(opened).toHaveLength(1);
    expect(blocked).toEqual([]);
    await context.close();
  });
});

/**
 * The public web-to-case form in a real browser (Debian's chromium-headless-shell via playwright-core), as a
 * visitor without an account uses it: fill the form, let the ALTCHA widget solve its proof of work (served
 * from our own origin under the form's Content-Security-Policy, no third party), send, read the confirmation
 * link in the lab mailbox over IMAP, press Confirm, and the case is opened (origin WEB). axe-core checks WCAG
 * 2.1 A/AA on the form; screenshots go to test/e2e/screenshots/.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axe, shot, startBrowserLab, type BrowserLab } from "../support/browser.ts";
import { labConfig, rand, waitFor, waitForMail, type App } from "../support/harness.ts";

const id = rand();
const visitor = `walk-in-${id}@customer.test`;

let lab: BrowserLab;
let app: App;
let browser: Browser;
let base: string;

beforeAll(async () => {
  const cfg = labConfig(id, (doc) => {
    doc.portals = [{ key: "customers", path: "/portal", name: "ACME Support portal" }];
    doc.webForms = [
      {
        key: "contact",
        title: "Contact support",
        intro: "Tell us what happened.",
        mailbox: "support",
        thankYou: "Thank you, we will answer soon.",
        minFillSeconds: 1,
        // A light proof of work: the browser's worker solves it in well under a second.
        pow: { cost: 10, maxCounter: 200 },
        fields: [{ key: "order", label: "Order number", type: "text", pattern: "ORD-[0-9]{4}" }],
      },
    ];
  });
  lab = await startBrowserLab(cfg, { roles: ["worker", "poller"] });
  ({ app, browser, base } = lab);
}, 120_000);

afterAll(() => lab?.close());

describe("web-to-case form in a browser", () => {
  it("fill, solve the proof of work, send; the mailed link confirms; the case is opened once", async () => {
    const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const blocked: string[] = [];
    // A CSP violation or a script error would mean the widget cannot work for real visitors.
    page.on("console", (m) => {
      if (m.type() === "error") blocked.push(m.text());
    });
    await page.goto(`${base}/forms/contact`);
    await page.getByRole("heading", { level: 1, name: "Contact support" }).waitFor();
    await page.getByLabel("Your email address").fill(visitor);
    await page.getByLabel("Your name").fill("Walk-in Visitor");
    await page.getByLabel("Subject").fill(`Printer jammed ${id}`);
    await page.getByLabel("How can we help?").fill("It makes a grinding noise.");
    await page.getByLabel("Order number").fill("ORD-1234");
    await axe(page, "web form");
    await shot(page, "10-web-form");

    // The widget: tick its checkbox (drawn over by the widget's own tick mark, so the click is dispatched on
    // the input itself), then wait until it has put its solution into the form.
    await page.getByRole("checkbox").first().dispatchEvent("click");
    await waitFor(async () => ((await page.locator('input[name="altcha"]').first().inputValue().catch(() => "")) || null), "proof of work solved", 30_000);
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByRole("heading", { name: "Check your mailbox" }).waitFor();
    expect(await page.getByText(`We sent a link to ${visitor}`).count()).toBe(1);
    expect(blocked).toEqual([]);
    // Nothing is opened before the address confirms.
    const db = app.rt.deps.db;
    expect(await db.case.count({ where: { subject: `Printer jammed ${id}` } })).toBe(0);

    const mail = await waitForMail(visitor, () => true, "confirmation mail", 60_000);
    const link = /http:\/\/127\.0\.0\.1:\d+\/forms\/confirm\/[A-Za-z0-9_.-]+/.exec(mail.text ?? "")?.[0];
    expect(link).toBeDefined();
    await page.goto(link!);
    await page.getByRole("heading", { name: "Confirm your request" }).waitFor();
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.getByText(/Your request is now case/).waitFor();
    await shot(page, "11-web-form-confirmed");
    const c = await db.case.findFirstOrThrow({ where: { subject: `Printer jammed ${id}` } });
    expect(c.origin).toBe("WEB");

    // The same link again opens nothing more.
    await page.goto(link!);
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.getByText(/not valid/).waitFor();
    expect(await db.case.count({ where: { subject: `Printer jammed ${id}` } })).toBe(1);
    await context.close();
  });
});

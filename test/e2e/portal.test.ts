/**
 * The portal in a real browser (Debian's chromium-headless-shell driven by playwright-core; never a browser
 * download), against a real web server, workers, poller and the lab mail server, as a person uses it:
 * ask for a sign-in link, read it in the lab mailbox over IMAP, confirm, see my cases, open one, reply,
 * open a new case, try another company's case by URL (404), try the link again (refused). axe-core checks WCAG 2.1 A/AA on
 * the main pages; screenshots (desktop and phone width) go to test/e2e/screenshots/.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axe, shot, startBrowserLab, type BrowserLab } from "../support/browser.ts";
import { labConfig, rand, waitForMail, type App } from "../support/harness.ts";
import { createCase } from "../support/portal.ts";

const id = rand();
const pat = `pat-${id}@acme.test`;

let lab: BrowserLab;
let app: App;
let browser: Browser;
let base: string;
let own: { number: number };
let foreign: { number: number };

beforeAll(async () => {
  const cfg = labConfig(id, (doc) => {
    (doc.accounts as unknown[]).push({ key: "globex", name: "Globex", domains: ["globex.test"] });
    (doc.contacts as unknown[]).push(
      { email: pat, name: "Pat Smith", account: "acme", portal: true, portalRole: "manager" },
      { email: `eve-${id}@globex.test`, name: "Eve Globex", account: "globex", portal: true },
    );
    // Customer-visible fields of every type on the new-case page (axe checks their labels), one agent-only.
    doc.caseFields = [
      { key: "contract", label: "Contract number", type: "text", visibility: "customer" },
      { key: "seats", label: "Seats", type: "number", visibility: "customer" },
      { key: "since", label: "Since", type: "date", visibility: "customer" },
      { key: "onsite", label: "On site", type: "yesno", visibility: "customer" },
      { key: "plan", label: "Plan", type: "picklist", options: ["Basic", "Pro"], visibility: "customer" },
      { key: "os", label: "Systems", type: "multipicklist", options: ["Linux", "Windows"], visibility: "customer" },
      { key: "margin", label: "Margin", type: "number", visibility: "agent" },
    ];
    doc.products = [{ code: "PRN-1", name: "Printer One" }];
    doc.portals = [
      {
        key: "customers",
        path: "/portal",
        name: "ACME Support portal",
        theme: { primaryColor: "#1d4ed8", legalFooter: "ACME Support s.r.o., Example Street 1, Prague" },
        exposure: { match: "any", rules: [{ field: "account", equals: "contact.account", role: "manager" }] },
      },
    ];
  });
  lab = await startBrowserLab(cfg, {
    roles: ["worker", "poller"],
    // The cases exist before the web server starts, as for a portal with history.
    prepare: async (started) => {
      app = started;
      const db = app.rt.deps.db;
      const contact = (email: string) => db.contact.findUniqueOrThrow({ where: { email } }).then((c) => c.id);
      const acme = (await db.account.findUniqueOrThrow({ where: { key: "acme" } })).id;
      const globex = (await db.account.findUniqueOrThrow({ where: { key: "globex" } })).id;
      const alice = (await db.agent.findUniqueOrThrow({ where: { key: "alice" } })).id;
      own = await createCase(db, {
        subject: "Printer on fire",
        accountId: acme,
        requester: await contact(pat),
        status: "WAITING_ON_CUSTOMER",
        posts: [
          { visibility: "PUBLIC", body: "Our printer in room 3 is on fire.\n\nPlease help quickly.", authorContactId: await contact(pat), attachments: [{ filename: "photo.txt", data: "smoke" }] },
          { visibility: "INTERNAL", body: "Internal: check the warranty first.", authorAgentId: alice },
          { visibility: "PUBLIC", body: "We are sending a technician. Could you send the printer's serial number?", authorAgentId: alice },
        ],
      });
      await createCase(db, { subject: "Invoice for March", accountId: acme, requester: await contact(pat), status: "CLOSED", posts: [{ visibility: "PUBLIC", body: "Paid, thanks.", authorContactId: await contact(pat) }] });
      foreign = await createCase(db, { subject: "Globex merger", accountId: globex, requester: await contact(`eve-${id}@globex.test`), posts: [{ visibility: "PUBLIC", body: "secret", authorContactId: await contact(`eve-${id}@globex.test`) }] });
    },
  });
  ({ browser, base } = lab);
}, 120_000);

afterAll(() => lab?.close());

describe("portal in a browser", () => {
  it("sign in by mailed link, my cases, a case, reply; another company's case is 404; the link works once", async () => {
    const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/portal`);
    await page.getByRole("heading", { level: 1 }).waitFor();
    expect(await page.title()).toContain("Sign in");
    await axe(page, "sign-in");
    await shot(page, "01-sign-in");

    await page.getByLabel("Email address").first().fill(pat);
    await page.getByRole("button", { name: "Email me a sign-in link" }).click();
    await page.getByText("Check your mailbox").waitFor();
    await shot(page, "02-check-mailbox");

    const mail = await waitForMail(pat, (m) => /sign-in code/.test(m.subject ?? ""), "sign-in mail", 60_000);
    expect(mail.headers.get("auto-submitted")).toBe("auto-generated");
    const link = /http:\/\/127\.0\.0\.1:\d+\/portal\/sign-in\/[A-Za-z0-9_-]{43}/.exec(mail.text ?? "")?.[0];
    expect(link).toBeDefined();

    await page.goto(link!);
    await page.getByText("Confirm sign-in").waitFor();
    await axe(page, "confirm");
    await shot(page, "03-confirm");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${base}/portal/cases`);
    await page.getByRole("link", { name: "Printer on fire" }).waitFor();
    expect(await page.getByText("Globex merger").count()).toBe(0);
    await axe(page, "my cases");
    await shot(page, "04-my-cases");

    await page.getByRole("link", { name: "Printer on fire" }).click();
    await page.getByText("We are sending a technician").waitFor();
    expect(await page.getByText("Internal: check the warranty first.").count()).toBe(0);
    expect(await page.getByText("Alice Novak").count()).toBeGreaterThan(0);
    expect(await page.getByText("Waiting for your reply").count()).toBeGreaterThan(0);
    await axe(page, "case");
    await shot(page, "05-case");

    await page.getByLabel("Your message").fill("The serial number is PRN-4711.");
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByText("Your reply was added to the case.").waitFor();
    await page.getByText("The serial number is PRN-4711.").waitFor();
    expect(await page.getByText("Waiting for your reply").count()).toBe(0);
    await shot(page, "06-replied");

    // A new case, routed like mail.
    await page.getByRole("link", { name: "My cases", exact: true }).click();
    await page.getByRole("link", { name: "New case" }).click();
    await page.getByLabel("Subject").fill("Scanner jams");
    await page.getByLabel("Description").fill("The scanner jams on every page.");
    await page.getByLabel("Plan").selectOption("Pro");
    await page.getByLabel("Windows").check();
    expect(await page.getByLabel("Margin").count()).toBe(0);
    await axe(page, "new case");
    await shot(page, "06b-new-case");
    await page.getByRole("button", { name: "Open the case" }).click();
    await page.getByText("Your case was opened.").waitFor();
    await page.getByText("The scanner jams on every page.").waitFor();

    const outside = await page.goto(`${base}/portal/cases/${foreign.number}`);
    expect(outside?.status()).toBe(404);
    expect(await page.getByText("Globex merger").count()).toBe(0);
    await axe(page, "not found");

    // Phone width.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, storageState: await context.storageState() });
    const mobile = await phone.newPage();
    await mobile.goto(`${base}/portal/cases?filter=all`);
    await mobile.getByRole("link", { name: "Printer on fire" }).waitFor();
    // Runs in the page (a string, so the Node typings need no DOM lib).
    const overflow = await mobile.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
    expect(overflow, "no horizontal scrolling on a phone").toBeLessThanOrEqual(0);
    await shot(mobile, "07-phone-cases");
    await mobile.goto(`${base}/portal/cases/${own.number}`);
    await shot(mobile, "08-phone-case");
    await phone.close();

    // The same link a second time, in a fresh browser: refused.
    const other = await browser.newContext();
    const again = await other.newPage();
    await again.goto(link!);
    await again.getByRole("button", { name: "Sign in" }).click();
    await again.getByText("expired or was already used").waitFor();
    expect(again.url()).not.toContain("/portal/cases");
    await shot(again, "09-link-used");
    await other.close();
    await context.close();
  });
});

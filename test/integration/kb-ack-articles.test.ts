/**
 * Knowledge base articles in the acknowledgement of a new case, end to end through the mail lab: a Czech
 * customer writes about a forgotten password to a mailbox with `ackArticles: 2`; the acknowledgement read
 * from the customer's IMAP mailbox lists the Czech article, linked to its page on the public portal, which
 * answers 200. Nothing else in the mail changes.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webOptions } from "../../src/app/runtime.ts";
import { syncKb } from "../../src/kb/sync.service.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { labConfig, rand, sendMail, startApp, waitFor, waitForMail, type App } from "../support/harness.ts";

const FIXTURE = path.resolve(import.meta.dirname, "../fixtures/kb");
const id = rand();
const customer = `jana-${id}@customer.test`;
let app: App;

beforeAll(async () => {
  app = await startApp(
    labConfig(id, (doc) => {
      (doc.mailboxes as Record<string, unknown>[])[0]!.ackArticles = 2;
      (doc.contacts as unknown[]).push({ email: customer, name: "Jana Nováková", locale: "cs" });
      doc.portals = [{ key: "main", path: "/portal", name: "Main portal" }, { key: "members", path: "/members", name: "Members" }, { key: "partners", path: "/partners", name: "Partners" }];
      doc.kb = { portals: [{ portal: "main", public: true, categories: { exclude: ["internal"] } }] };
    }),
  );
  expect((await syncKb(app.rt.deps.db, FIXTURE, { dryRun: false, now: new Date() })).applied).toBe(true);
});
afterAll(async () => app?.close());

describe("articles in the acknowledgement", () => {
  it("lists matching published articles in the customer's language, linked to the portal", async () => {
    const db = app.rt.deps.db;
    await sendMail({ from: `"Jana" <${customer}>`, to: app.support, subject: "Zapomenuté heslo", text: "Nemohu se přihlásit, zapomněla jsem heslo." });
    const c = await waitFor(() => db.case.findFirst({ where: { subject: "Zapomenuté heslo" } }), "case");
    const ack = await waitForMail(customer, (m) => m.subject?.includes(`[MC-${c.number}]`) ?? false, "acknowledgement");
    const article = await db.kbArticle.findFirstOrThrow({ where: { key: "reset-password", language: "cs" } });
    const link = new RegExp(`- Obnovení zapomenutého hesla: (https?://[^\\s]+/portal/kb/articles/${article.id}-[a-z0-9-]+)`);
    const m = link.exec(ack.text ?? "");
    expect(m, ack.text).not.toBeNull();
    expect(ack.html).toContain(`>Obnovení zapomenutého hesla</a>`);
    // At most the mailbox's number, only Czech ones (no English title in a Czech mail).
    expect((ack.text ?? "").match(/\/kb\/articles\//g)!.length).toBeLessThanOrEqual(2);
    expect(ack.text).not.toContain("Reset your password");

    const web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, { portalCacheMs: 0 }));
    try {
      const page = await web.inject({ url: `${new URL(m![1]!).pathname}?lang=cs` });
      expect(page.statusCode).toBe(200);
    } finally {
      await web.close();
    }
  });
});

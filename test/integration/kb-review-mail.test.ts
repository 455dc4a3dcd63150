/**
 * The review of a case's article by mail, end to end on the real services (mail lab, PostgreSQL, Redis):
 * `#solution` drafts the article and mails it to the lead of the case's team; the lead sends it back with
 * `#reject <why>` (the author is told, the draft keeps the reason), the author submits it again, the lead
 * answers `#publish` and the article is on the portal. Every step is in the article's history and on the case.
 * A review address used from another agent's address publishes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ParsedMail } from "mailparser";
import { buildWebApp } from "../../src/web/server.ts";
import { labConfig, rand, sendMail, startApp, waitFor, waitForMail, type App } from "../support/harness.ts";
import { webOptions } from "../../src/app/runtime.ts";

const id = rand();
const customer = `jana-${id}@customer.test`;
const dana = `dana-${id}@helpdesk.test`;
const bob = `bob-${id}@helpdesk.test`;
const alice = `alice-${id}@helpdesk.test`;
let app: App;

beforeAll(async () => {
  app = await startApp(
    labConfig(id, (doc) => {
      (doc.contacts as unknown[]).push({ email: customer, name: "Jana Nováková", locale: "cs" });
      // No reviewers configured: the lead of the case's team (first-line, lead bob) reviews.
      (doc.teams as { key: string; lead?: string }[])[0]!.lead = "bob";
      doc.portals = [{ key: "main", path: "/portal", name: "Main" }];
      doc.kb = { portals: [{ portal: "main", public: true }] };
    }),
  );
});
afterAll(async () => app?.close());

const replyToOf = (m: ParsedMail) => m.replyTo!.value[0]!.address!;

describe("review of a case's article by mail", () => {
  it("goes to the team lead, is sent back with a reason, submitted again and published on the portal by #publish", async () => {
    const db = app.rt.deps.db;
    await sendMail({ from: `"Jana" <${customer}>`, to: app.support, subject: "Tiskárna netiskne", text: "Tiskárna hlásí chybu 42." });
    const c = await waitFor(() => db.case.findFirst({ where: { subject: "Tiskárna netiskne" } }), "case");
    const tag = `[MC-${c.number}]`;
    const notice = await waitForMail(dana, (m) => m.subject?.includes(tag) ?? false, "new-case notice");
    await sendMail({ from: dana, to: replyToOf(notice), subject: `Re: ${notice.subject}`, text: "#solution Vypněte a zapněte tiskárnu." });

    // Draft → In review, and the lead gets the article rendered with a review address.
    const review1 = await waitForMail(bob, (m) => (m.subject?.includes(tag) ?? false) && m.text!.includes("#publish"), "review mail");
    expect(review1.text).toContain("Vypněte a zapněte tiskárnu.");
    expect(replyToOf(review1)).toMatch(/\+r\d+a\d+-[0-9a-f]{16}@/);
    const article = await db.kbArticle.findFirstOrThrow({ where: { key: `case-${c.number}` } });
    expect(article.status).toBe("IN_REVIEW");

    // Another agent using the lead's review address: refused, the article stays in review.
    const forgedId = await sendMail({ from: alice, to: replyToOf(review1), subject: `Re: ${review1.subject}`, text: "#publish" });
    await waitFor(() => db.inboundMessage.findFirst({ where: { messageId: forgedId, status: "QUARANTINED" } }), "forged review answer quarantined");
    expect((await db.kbArticle.findUniqueOrThrow({ where: { id: article.id } })).status).toBe("IN_REVIEW");

    // #reject: back to Draft with the reason, and the author (dana) is told.
    await sendMail({ from: bob, to: replyToOf(review1), subject: `Re: ${review1.subject}`, text: "#reject Napište, jak dlouho má být vypnutá." });
    const told = await waitForMail(dana, (m) => (m.subject?.includes(tag) ?? false) && m.text!.includes("Napište, jak dlouho má být vypnutá."), "rejection to the author");
    expect(told.text).toContain("Bob Kowalski");
    expect(await db.kbArticle.findUniqueOrThrow({ where: { id: article.id } })).toMatchObject({ status: "DRAFT", rejectedReason: "Napište, jak dlouho má být vypnutá." });

    // A late second answer on the first review mail finds nothing in review: refused, nothing changes.
    const lateId = await sendMail({ from: bob, to: replyToOf(review1), subject: `Re: ${review1.subject}`, text: "#publish" });
    await waitFor(() => db.inboundMessage.findFirst({ where: { messageId: lateId, status: "QUARANTINED", reason: { contains: "not in review" } } }), "late answer refused");
    expect((await db.kbArticle.findUniqueOrThrow({ where: { id: article.id } })).status).toBe("DRAFT");

    // Submitted again: a second review mail; #publish without portals publishes on the knowledge base portals.
    await sendMail({ from: dana, to: replyToOf(notice), subject: `Re: ${notice.subject}`, text: "#solution Vypněte tiskárnu na 30 sekund a zapněte ji." });
    const review2 = await waitForMail(bob, (m) => (m.subject?.includes(tag) ?? false) && m.text!.includes("30 sekund"), "second review mail");
    await sendMail({ from: bob, to: replyToOf(review2), subject: `Re: ${review2.subject}`, text: "Díky.\n#publish" });
    await waitFor(() => db.kbArticle.findFirst({ where: { id: article.id, status: "PUBLISHED" } }), "article published");
    await waitForMail(dana, (m) => (m.subject?.includes(tag) ?? false) && m.text!.includes("main"), "published mail to the author");

    const web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, { publicUrl: "http://127.0.0.1:8080", portalCacheMs: 0 }));
    try {
      const page = await web.inject({ url: `/portal/kb/articles/${article.id}?lang=cs` });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain("Vypněte tiskárnu na 30 sekund a zapněte ji.");
    } finally {
      await web.close();
    }

    const published = await db.kbArticle.findUniqueOrThrow({ where: { id: article.id }, include: { portals: true, reviewer: true, events: { orderBy: { id: "asc" } } } });
    expect(published.portals.map((p) => p.portalKey)).toEqual(["main"]);
    expect(published.reviewer?.email).toBe(bob);
    expect(published.version).toBe(1);
    expect(published.events.map((e) => e.type)).toEqual(["review.requested", "review.rejected", "review.requested", "review.published"]);
    const steps = (await db.caseEvent.findMany({ where: { caseId: c.id, type: "kb.review" }, orderBy: { id: "asc" } })).map((e) => (e.data as { step: string }).step);
    expect(steps).toEqual(["requested", "rejected", "requested", "published"]);
  });
});

/**
 * A case's solution becomes a Draft knowledge base article by mail, end to end on the real services: the
 * agent answers a Czech customer's case with `#solution …`; the article is a draft in Czech, linked to the
 * case, audited as a case event, and on no portal until it is published.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishArticle } from "../../src/kb/kb-admin.service.ts";
import { kbContext, getArticle } from "../../src/kb/kb.service.ts";
import { labConfig, rand, sendMail, startApp, waitFor, waitForMail, type App } from "../support/harness.ts";

const id = rand();
const customer = `jana-${id}@customer.test`;
const alice = `alice-${id}@helpdesk.test`;
let app: App;

beforeAll(async () => {
  app = await startApp(
    labConfig(id, (doc) => {
      (doc.contacts as unknown[]).push({ email: customer, name: "Jana Nováková", locale: "cs" });
      doc.portals = [{ key: "main", path: "/portal", name: "Main" }];
      doc.kb = { portals: [{ portal: "main", public: true }] };
    }),
  );
});
afterAll(async () => app?.close());

describe("#solution by mail", () => {
  it("turns the solution into a Czech draft linked to the case, published only when someone publishes it", async () => {
    const db = app.rt.deps.db;
    await sendMail({ from: `"Jana" <${customer}>`, to: app.support, subject: "Router se odpojuje", text: "Router se každou hodinu odpojí." });
    const c = await waitFor(() => db.case.findFirst({ where: { subject: "Router se odpojuje" } }), "case");
    // The case is routed to the area default (dana) or the VIP desk; whoever gets the new-case notice answers.
    const notice = await waitForMail(`dana-${id}@helpdesk.test`, (m) => m.subject?.includes(`[MC-${c.number}]`) ?? false, "new-case notice").catch(() => waitForMail(alice, (m) => m.subject?.includes(`[MC-${c.number}]`) ?? false, "new-case notice"));
    const agentAddress = notice.to && "value" in notice.to ? notice.to.value[0]!.address! : `dana-${id}@helpdesk.test`;
    const replyTo = notice.replyTo!.value[0]!.address!;
    const msgId = await sendMail({ from: agentAddress, to: replyTo, subject: `Re: ${notice.subject}`, inReplyTo: notice.messageId!, text: "#solution Aktualizujte firmware routeru na verzi 2.1.\nDěkujeme za trpělivost." });
    await waitFor(() => db.inboundMessage.findFirst({ where: { messageId: msgId, status: { not: "PENDING" } } }), "agent reply processed");

    const article = await waitFor(() => db.kbArticle.findFirst({ where: { key: `case-${c.number}` }, include: { cases: true } }), "draft article");
    expect(article).toMatchObject({ language: "cs", status: "DRAFT", title: "Router se odpojuje", source: "case", body: "Aktualizujte firmware routeru na verzi 2.1.\n" });
    expect(article.cases.map((x) => x.caseId)).toEqual([c.id]);
    expect((await db.case.findUniqueOrThrow({ where: { id: c.id } })).status).toBe("RESOLVED");
    const ev = await db.caseEvent.findFirstOrThrow({ where: { caseId: c.id, type: "kb.draft" } });
    expect(ev.data).toMatchObject({ articleId: article.id, language: "cs", created: true, by: expect.stringMatching(/^agent:\d+$/) });

    const reader = { language: "cs" as const, signedIn: false };
    expect(await getArticle(db, (await kbContext(db, "main", reader, new Date()))!, article.id)).toBeNull();
    await publishArticle(db, article.id, ["main"], "cli", new Date());
    expect((await getArticle(db, (await kbContext(db, "main", reader, new Date()))!, article.id))?.title).toBe("Router se odpojuje");
  });
});

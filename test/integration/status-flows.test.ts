/**
 * Status flows per case type through the mail lab: an incident needs a severity before in progress and an
 * internal note before resolved; a reply that breaks the flow changes nothing and is explained back to the
 * agent like a mistyped command; the same reply with what the flow asks for goes through.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labConfig, rand, sendMail, startApp, waitFor, waitForMail, type App } from "../support/harness.ts";

describe("status flows per case type", () => {
  const id = rand();
  const vip = `vip-${id}@customer.test`;
  const alice = `alice-${id}@helpdesk.test`;
  let app: App;
  let caseId = 0;
  let number = 0;
  let replyTo = "";
  beforeAll(async () => {
    app = await startApp(
      labConfig(id, (doc) => {
        doc.statusFlows = { INCIDENT: { require: [{ to: "IN_PROGRESS", fields: ["severity"] }, { to: "RESOLVED", fields: [], internalNote: true }] } };
      }),
    );
    await sendMail({ from: vip, to: app.support, subject: `Server down ${id}`, text: "Our server is down." });
    const c = await waitFor(() => app.rt.deps.db.case.findFirst({ where: { subject: `Server down ${id}` } }), "case");
    caseId = c.id;
    number = Number(c.number);
    const notice = await waitForMail(alice, (m) => m.subject?.includes(`[MC-${number}] New case`) ?? false, "new-case notice");
    replyTo = notice.replyTo!.value[0]!.address!;
  });
  afterAll(async () => app?.close());
  const db = () => app.rt.deps.db;
  const agentSays = (text: string) => sendMail({ from: alice, to: replyTo, subject: `Re: [MC-${number}] New case`, text });
  const processed = (messageId: string) => waitFor(() => db().inboundMessage.findFirst({ where: { messageId, status: { not: "PENDING" } } }), `inbound ${messageId}`);

  it("refuses in progress without a severity and explains it back, then accepts it with one", async () => {
    const refused = await processed(await agentSays("#type incident\n#status in progress\n#internal\nLooking."));
    expect(refused.status).toBe("QUARANTINED");
    expect(refused.reason).toContain("an incident needs a severity (#severity) before in progress");
    expect(await db().case.findUniqueOrThrow({ where: { id: caseId } })).toMatchObject({ type: "QUESTION", status: "ASSIGNED" });
    const back = await waitForMail(alice, (m) => (m.subject?.startsWith("Not filed:") && m.text?.includes("needs a severity")) ?? false, "explanation");
    expect(back.text).toContain(`MC-${number}`);

    expect((await processed(await agentSays("#type incident\n#severity major\n#status in progress"))).status).toBe("PROCESSED");
    expect(await db().case.findUniqueOrThrow({ where: { id: caseId } })).toMatchObject({ type: "INCIDENT", severity: "MAJOR", status: "IN_PROGRESS" });
  });

  it("resolves an incident only with an internal note in the same reply", async () => {
    const refused = await processed(await agentSays("#resolve Restarted the service."));
    expect(refused.reason).toContain("needs an internal note to go to resolved");
    expect((await db().case.findUniqueOrThrow({ where: { id: caseId } })).status).toBe("IN_PROGRESS");
    expect((await processed(await agentSays("#resolve Restarted the service.\n#internal\nRoot cause: disk full."))).status).toBe("PROCESSED");
    expect((await db().case.findUniqueOrThrow({ where: { id: caseId } })).status).toBe("RESOLVED");
  });
});

/**
 * Approvals on the real services: an agent lowering a VIP case's priority by mail has it held (the rest of
 * the reply applies), the approver is mailed and decides by answering #approve or #reject, the requester is
 * told, nobody changes the held field meanwhile; a VIP problem case opened by phone waits for approval of its
 * status; undecided requests are reminded, escalated and finally rejected at their times.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepApprovals } from "../../src/approval/approval.service.ts";
import { actingAgentByKey, type ActingAgent } from "../../src/case/acting-agent.ts";
import type { OpResult, OpsDeps } from "../../src/case/ops/common.ts";
import { createCase } from "../../src/case/ops/create-case.ts";
import { ChangeInput, CreateCaseInput } from "../../src/case/ops/schemas.ts";
import { changeCaseFields } from "../../src/case/ops/set-case.ts";
import { opsDepsOf } from "../../src/pipeline/case-effects.ts";
import { showCase } from "../../src/cli/case-view.ts";
import { labConfig, rand, sendMail, startApp, waitFor, waitForMail, type App } from "../support/harness.ts";

function ok<T>(r: OpResult<T>): { ok: true } & T {
  if (!r.ok) throw new Error(`expected success, got ${r.error}: ${r.reason}`);
  return r;
}

describe("approvals", () => {
  const id = rand();
  const vip = `vip-${id}@customer.test`;
  const aliceMail = `alice-${id}@helpdesk.test`;
  const bobMail = `bob-${id}@helpdesk.test`;
  const danaMail = `dana-${id}@helpdesk.test`;
  let app: App;
  let ops: OpsDeps;
  let alice: ActingAgent;
  let bob: ActingAgent;
  let caseId = 0;
  let number = 0;
  let aliceReplyTo = "";
  const db = () => app.rt.deps.db;
  const HOUR = 3_600_000;

  beforeAll(async () => {
    app = await startApp(
      labConfig(id, (doc) => {
        doc.approvalRules = [
          { key: "vip-lower", when: { fields: ["priority"], lowering: true, groups: ["vip"] }, approvers: { agents: ["bob"] }, remindAfter: "1h", timeout: "1d" },
          { key: "vip-problem", on: "open", when: { groups: ["vip"], types: ["PROBLEM"] }, approvers: { agents: ["bob"] }, timeout: "4h", onTimeout: "escalate", escalateTo: ["dana"] },
        ];
      }),
    );
    ops = opsDepsOf(app.rt.deps);
    alice = (await actingAgentByKey(db(), "alice"))!;
    bob = (await actingAgentByKey(db(), "bob"))!;
    await sendMail({ from: `"Vera VIP" <${vip}>`, to: app.support, subject: `Scanner jams ${id}`, text: "The scanner jams on every page." });
    const c = await waitFor(() => db().case.findFirst({ where: { subject: `Scanner jams ${id}` } }), "case");
    caseId = c.id;
    number = Number(c.number);
    const notice = await waitForMail(aliceMail, (m) => m.subject?.includes(`[MC-${number}] New case`) ?? false, "new-case notice");
    aliceReplyTo = notice.replyTo!.value[0]!.address!;
  });
  afterAll(async () => app?.close());

  const processed = (messageId: string) => waitFor(() => db().inboundMessage.findFirst({ where: { messageId, status: { not: "PENDING" } } }), `inbound ${messageId}`);
  const approvalMail = (to: string, match: RegExp, what: string) => waitForMail(to, (m) => (m.subject ?? "").includes(`[MC-${number}]`) && match.test(m.subject ?? ""), what);

  it("holds the lowered priority of a VIP case, applies the rest of the reply, and asks the approver", async () => {
    await processed(await sendMail({ from: aliceMail, to: aliceReplyTo, subject: `Re: [MC-${number}] New case`, text: "#priority low #type incident\nLooking into it." }));
    const c = await db().case.findUniqueOrThrow({ where: { id: caseId } });
    expect(c).toMatchObject({ priority: "HIGH", type: "INCIDENT", heldFields: ["priority"] });
    const req = await db().approvalRequest.findFirstOrThrow({ where: { caseId } });
    expect(req).toMatchObject({ ruleKey: "vip-lower", status: "PENDING", fields: ["priority"], approverIds: [bob.agentId], requesterAgentId: alice.agentId });
    const ask = await approvalMail(bobMail, /Approval needed/, "approval request");
    expect(ask.text).toContain("priority: HIGH -> LOW");
    expect(ask.text).toContain("#approve");
    expect(ask.headers.get("auto-submitted")).toBe("auto-generated");
    // Operators see what is held and who is awaited (`mailcase case N`).
    expect((await showCase(db(), number))?.approvals).toEqual([{ request: req.id, rule: "vip-lower", fields: ["priority"], mode: "any", approvers: ["bob"], timeoutAt: req.timeoutAt!.toISOString() }]);
  });

  it("lets nobody change the held field meanwhile", async () => {
    const r = await changeCaseFields(ops, bob, ChangeInput.parse({ case: number, priority: "URGENT" }));
    expect(r).toMatchObject({ ok: false, error: "refused", reason: expect.stringContaining("awaiting approval") });
    expect((await db().case.findUniqueOrThrow({ where: { id: caseId } })).priority).toBe("HIGH");
  });

  it("refuses a verdict from an agent who is not the approver, and explains it", async () => {
    // Alice answers her own request's case with #approve: she asked, she may not approve.
    await processed(await sendMail({ from: aliceMail, to: aliceReplyTo, subject: `Re: [MC-${number}] New case`, text: "#approve" }));
    const told = await waitForMail(aliceMail, (m) => (m.subject ?? "").startsWith("Not filed"), "refusal");
    expect(told.text).toContain("no approval request of this case is waiting for you");
    expect((await db().approvalRequest.findFirstOrThrow({ where: { caseId } })).status).toBe("PENDING");
  });

  it("applies the change when the approver answers #approve, and tells the requester", async () => {
    const ask = await approvalMail(bobMail, /Approval needed/, "approval request");
    await processed(await sendMail({ from: bobMail, to: ask.replyTo!.value[0]!.address!, subject: `Re: ${ask.subject}`, text: "#approve agreed with the customer" }));
    const c = await db().case.findUniqueOrThrow({ where: { id: caseId } });
    expect(c).toMatchObject({ priority: "LOW", heldFields: [] });
    expect(await db().approvalRequest.findFirstOrThrow({ where: { caseId } })).toMatchObject({ status: "APPROVED" });
    const told = await approvalMail(aliceMail, /Approved/, "approval decision");
    expect(told.text).toContain("Bob Kowalski");
    const events = await db().caseEvent.findMany({ where: { caseId, type: { startsWith: "approval." } }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.type)).toEqual(["approval.requested", "approval.decided"]);
    expect(events[1]!.data).toMatchObject({ verdict: "approve", outcome: "approved", by: `agent:${bob.agentId}`, applied: ["priority"] });
    const changed = await db().caseEvent.findFirstOrThrow({ where: { caseId, type: "case.changed", data: { path: ["field"], equals: "priority" } } });
    // The change is the requester's, made when approved.
    expect(changed.data).toMatchObject({ from: "HIGH", to: "LOW", by: `agent:${alice.agentId}` });
  });

  it("keeps the field as it was when the approver answers #reject, and tells the requester why", async () => {
    ok(await changeCaseFields(ops, alice, ChangeInput.parse({ case: number, priority: "URGENT" })));
    const held = ok(await changeCaseFields(ops, alice, ChangeInput.parse({ case: number, priority: "NORMAL" })));
    expect(held).toMatchObject({ changed: [], held: { rule: "vip-lower", fields: ["priority"] } });
    const asks = await waitFor(async () => {
      const mails = await db().outboundMail.findMany({ where: { caseId, kind: "APPROVAL", toAddress: bobMail, status: "SENT" }, orderBy: { id: "asc" } });
      return mails.length >= 2 ? mails : null;
    }, "second approval request sent");
    await processed(await sendMail({ from: bobMail, to: asks[1]!.replyTo!, subject: "Re: approval", text: "#reject not before the customer confirms" }));
    expect(await db().case.findUniqueOrThrow({ where: { id: caseId } })).toMatchObject({ priority: "URGENT", heldFields: [] });
    const told = await approvalMail(aliceMail, /Rejected/, "rejection");
    expect(told.text).toContain("not before the customer confirms");
  });

  it("holds the status of a VIP problem case opened by phone until it is approved", async () => {
    const opened = ok(await createCase(ops, alice, CreateCaseInput.parse({ requester: { email: vip }, subject: `Outage ${id}`, description: "Line down.", type: "PROBLEM" })));
    const c = await db().case.findUniqueOrThrow({ where: { id: opened.caseId } });
    expect(c.heldFields).toEqual(["status"]);
    const r = await changeCaseFields(ops, alice, ChangeInput.parse({ case: opened.number, status: "IN_PROGRESS" }));
    expect(r).toMatchObject({ ok: false, reason: expect.stringContaining("status of this case is awaiting approval") });
    await waitForMail(bobMail, (m) => (m.subject ?? "").includes(`[MC-${opened.number}]`) && /Approval needed/.test(m.subject ?? ""), "opening approval request");
    // Undecided past its timeout: handed to dana (escalateTo), with as long again, then rejected.
    const createdAt = (await db().approvalRequest.findFirstOrThrow({ where: { caseId: opened.caseId } })).createdAt;
    const mail = { templates: app.rt.deps.templates, secret: app.rt.deps.secret };
    const escalated = await sweepApprovals(db(), mail, new Date(createdAt.getTime() + 4 * HOUR + 1000));
    expect(escalated).toMatchObject({ escalated: 1, timedOut: 0 });
    expect(await db().approvalRequest.findFirstOrThrow({ where: { caseId: opened.caseId } })).toMatchObject({ status: "PENDING", escalated: true, mode: "any" });
    expect(await db().outboundMail.count({ where: { caseId: opened.caseId, kind: "APPROVAL", toAddress: danaMail } })).toBe(1);
    const again = await sweepApprovals(db(), mail, new Date(createdAt.getTime() + 4 * HOUR + 1000));
    expect(again).toMatchObject({ escalated: 0, timedOut: 0 });
    const rejected = await sweepApprovals(db(), mail, new Date(createdAt.getTime() + 9 * HOUR));
    expect(rejected).toMatchObject({ timedOut: 1 });
    expect(await db().case.findUniqueOrThrow({ where: { id: opened.caseId } })).toMatchObject({ heldFields: [] });
    expect(await db().approvalRequest.findFirstOrThrow({ where: { caseId: opened.caseId } })).toMatchObject({ status: "REJECTED" });
    // Released: the status can be worked on again.
    ok(await changeCaseFields(ops, alice, ChangeInput.parse({ case: opened.number, status: "IN_PROGRESS" })));
  });

  it("reminds the approver once when the reminder is due", async () => {
    const held = ok(await changeCaseFields(ops, alice, ChangeInput.parse({ case: number, priority: "LOW" })));
    const req = await db().approvalRequest.findUniqueOrThrow({ where: { id: held.held!.requestId } });
    const mail = { templates: app.rt.deps.templates, secret: app.rt.deps.secret };
    expect(await sweepApprovals(db(), mail, new Date(req.createdAt.getTime() + 30 * 60_000))).toMatchObject({ reminded: 0 });
    expect(await sweepApprovals(db(), mail, new Date(req.createdAt.getTime() + HOUR))).toMatchObject({ reminded: 1 });
    expect(await sweepApprovals(db(), mail, new Date(req.createdAt.getTime() + 2 * HOUR))).toMatchObject({ reminded: 0, timedOut: 0 });
    const reminders = await db().outboundMail.findMany({ where: { caseId, kind: "APPROVAL", subject: { contains: "Reminder" } } });
    expect(reminders.map((m) => m.toAddress)).toEqual([bobMail]);
  });
});

/**
 * A burst of posts on one case gives one email per recipient: updates wait a short window and the first
 * send job of a case and recipient takes every update still waiting for them. The first post after a quiet
 * window is mailed at once (leading edge); only the rest of its burst waits.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inbox, labConfig, rand, sendMail, startApp, testEnv, waitFor, waitForMail, type App } from "../support/harness.ts";

describe("coalescing a burst of posts", () => {
  const id = rand();
  const vip = `vip-${id}@customer.test`;
  const alice = `alice-${id}@helpdesk.test`;
  const bob = `bob-${id}@helpdesk.test`;
  let app: App;
  beforeAll(async () => {
    app = await startApp(labConfig(id), { env: testEnv({ MAILCASE_COALESCE_MS: "8000" }) });
  });
  afterAll(async () => app?.close());

  it("mails each follower one update for three quick customer replies", async () => {
    const db = app.rt.deps.db;
    const opening = await sendMail({ from: vip, to: app.support, subject: "Projector flickers", text: "The projector flickers." });
    const c = await waitFor(() => db.case.findFirst({ where: { subject: "Projector flickers" } }), "case");
    await waitForMail(alice, (m) => m.subject?.includes("New case") ?? false, "new-case notice");
    for (const n of [1, 2, 3]) {
      await sendMail({ from: vip, to: app.support, subject: `Re: [MC-${c.number}] Projector flickers`, inReplyTo: `<${opening}>`, text: `Detail number ${n}.` });
    }
    await waitFor(async () => (await db.post.count({ where: { caseId: c.id } })) === 4, "three reply posts");
    await waitFor(async () => (await db.outboundMail.count({ where: { caseId: c.id, kind: "UPDATE", status: { in: ["PENDING", "SENDING"] } } })) === 0, "updates sent", 30_000);
    // Every row is accepted by SMTP now; give the lab a moment to deliver any second mail before counting.
    await new Promise((r) => setTimeout(r, 1500));
    for (const agent of [alice, bob]) {
      const updates = await waitFor(async () => {
        const mails = (await inbox(agent)).filter((m) => m.text?.includes("Detail number") ?? false);
        return mails.length ? mails : null;
      }, `updates to ${agent}`);
      expect(updates, `${agent} got ${updates.length} update mails`).toHaveLength(1);
      for (const n of [1, 2, 3]) expect(updates[0]!.text).toContain(`Detail number ${n}.`);
    }
    const rows = await db.outboundMail.findMany({ where: { caseId: c.id, kind: "UPDATE" } });
    expect(rows).toHaveLength(6);
    expect(rows.every((r) => r.status === "SENT")).toBe(true);
  }, 60_000);

  it("mails the first update after a quiet window at once and coalesces the rest of its burst", async () => {
    const db = app.rt.deps.db;
    const opening = await sendMail({ from: vip, to: app.support, subject: "Beamer hums", text: "The beamer hums." });
    const c = await waitFor(() => db.case.findFirst({ where: { subject: "Beamer hums" } }), "case");
    await waitForMail(alice, (m) => m.subject?.includes("New case") && m.subject.includes("Beamer hums") ? true : false, "new-case notice");
    // Quiet for a whole window (8 s) since the new-case notice: the next post starts a new burst.
    const notice = await db.outboundMail.findFirstOrThrow({ where: { caseId: c.id, kind: "NEW_CASE", toAddress: alice } });
    await new Promise((r) => setTimeout(r, Math.max(0, notice.createdAt.getTime() + 8_500 - Date.now())));
    const reply = (n: number) =>
      sendMail({ from: vip, to: app.support, subject: `Re: [MC-${c.number}] Beamer hums`, inReplyTo: `<${opening}>`, text: `Hum report ${n}.` });
    await reply(1);
    const first = await waitFor(() => db.outboundMail.findFirst({ where: { caseId: c.id, kind: "UPDATE", toAddress: alice, status: "SENT" } }), "first update sent", 20_000);
    // Sent well inside the window: it did not wait for a burst.
    const latency = first.sentAt!.getTime() - first.createdAt.getTime();
    expect(latency, `first update waited ${latency} ms`).toBeLessThan(4_000);
    const firstMail = await waitForMail(alice, (m) => m.text?.includes("Hum report 1.") ?? false, "first update");
    expect(firstMail.text).not.toContain("Hum report 2.");
    await reply(2);
    await reply(3);
    await waitFor(async () => (await db.outboundMail.count({ where: { caseId: c.id, kind: "UPDATE", toAddress: alice, status: "SENT" } })) === 3, "three updates sent", 30_000);
    await new Promise((r) => setTimeout(r, 1500));
    const mails = (await inbox(alice)).filter((m) => m.text?.includes("Hum report") ?? false);
    // Two mails: the leading one, and the rest of the burst together.
    expect(mails.map((m) => ["1", "2", "3"].filter((n) => m.text!.includes(`Hum report ${n}.`)).join(""))).toEqual(["1", "23"]);
  }, 90_000);
});

/**
 * A burst of posts on one case gives one email per recipient: updates wait a short window and the first
 * send job of a case and recipient takes every update still waiting for them.
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
});

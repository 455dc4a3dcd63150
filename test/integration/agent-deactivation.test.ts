/**
 * Removing an agent from the configuration deactivates them fully, on the real services: the reply address
 * of a notice they got and their forwarding address stop working (refused, explained back, nothing filed),
 * their API token stops working, and they hear of nothing any more, though they still follow the case.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../../src/api/tokens.ts";
import { webOptions } from "../../src/app/runtime.ts";
import { applyConfig } from "../../src/config/apply-config.ts";
import { replyAddress, signForwardToken } from "../../src/threading/reply-token.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { labConfig, rand, sendMail, startApp, testEnv, waitFor, waitForMail, type App } from "../support/harness.ts";

describe("an agent removed from the configuration", () => {
  const id = rand();
  const vip = `vip-${id}@customer.test`;
  const bob = `bob-${id}@helpdesk.test`;
  const alice = `alice-${id}@helpdesk.test`;
  const withBob = labConfig(id);
  const withoutBob = labConfig(id, (doc) => {
    doc.agents = (doc.agents as { key: string }[]).filter((a) => a.key !== "bob");
    for (const t of doc.teams as { members: string[] }[]) t.members = t.members.filter((m) => m !== "bob");
  });
  let app: App;
  let web: FastifyInstance;

  beforeAll(async () => {
    app = await startApp(withBob, { env: testEnv() });
    web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, {}));
  });
  afterAll(async () => {
    await web?.close();
    await app?.close();
  });
  const db = () => app.rt.deps.db;
  const processed = (messageId: string) => waitFor(() => db().inboundMessage.findFirst({ where: { messageId, status: { not: "PENDING" } } }), `inbound ${messageId}`);

  it("stops their reply and forwarding addresses and API token, and sends them no notices", async () => {
    const opening = await sendMail({ from: vip, to: app.support, subject: `Printer ${id}`, text: "It prints blank pages." });
    const c = await waitFor(() => db().case.findFirst({ where: { subject: `Printer ${id}` } }), "case");
    const notice = await waitForMail(bob, (m) => m.subject?.includes(`[MC-${c.number}] New case`) ?? false, "bob's new-case notice (auto-follow)");
    const bobRow = await db().agent.findUniqueOrThrow({ where: { key: "bob" } });
    const token = (await createToken(db(), "bob", ["cases:read"]))!.token;
    const forwardTo = replyAddress(app.support, signForwardToken(app.rt.deps.secret, bobRow.id));
    expect((await web.inject({ method: "GET", url: `/api/v1/cases/${c.number}`, headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);

    await applyConfig(db(), withoutBob);
    expect(await db().agent.findUniqueOrThrow({ where: { key: "bob" } })).toMatchObject({ active: false, autoFollowAll: false });

    // The reply address of the notice bob got: refused, nothing filed, bob told why.
    const reply = await processed(await sendMail({ from: bob, to: notice.replyTo!.value[0]!.address!, subject: `Re: ${notice.subject}`, text: "#internal\nStill on it." }));
    expect(reply.status).toBe("QUARANTINED");
    expect(reply.reason).toContain("is deactivated");
    expect(await db().post.count({ where: { caseId: c.id, authorAgentId: bobRow.id } })).toBe(0);
    await waitForMail(bob, (m) => m.text?.includes("no longer work") ?? false, "refusal explained to bob");

    // The forwarding address: refused, no case opened for the forwarded customer.
    const fwd = await processed(
      await sendMail({ from: bob, to: forwardTo, subject: "Fwd: help", text: ["---------- Forwarded message ---------", `From: Someone <someone-${id}@customer.test>`, "Subject: help", "", "Help please."].join("\n") }),
    );
    expect(fwd.status).toBe("QUARANTINED");
    expect(fwd.caseId).toBeNull();

    // The API token acts for nobody.
    expect((await web.inject({ method: "GET", url: `/api/v1/cases/${c.number}`, headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);

    // The customer writes again: alice (owner) hears of it, bob (still a follower) does not.
    const again = await sendMail({ from: vip, to: app.support, subject: `Re: [MC-${c.number}] Printer ${id}`, inReplyTo: `<${opening}>`, text: "Now it jams too." });
    await processed(again);
    await waitForMail(alice, (m) => m.text?.includes("Now it jams too.") ?? false, "update to alice");
    expect(await db().follower.count({ where: { caseId: c.id, agentId: bobRow.id } })).toBe(1);
    expect(await db().outboundMail.count({ where: { caseId: c.id, kind: "UPDATE", recipientAgentId: bobRow.id } })).toBe(0);
  });
});

/**
 * Areas per customer group, with access, through the mail lab: a VIP customer's mail lands in the area the
 * VIP group names (vip-helpdesk), and only agents granted that area hear of it and may read it by the API.
 *
 * Cast: alice is vip-helpdesk's default owner; bob auto-follows everything and is granted vip-helpdesk through
 * his team vip-desk; erin auto-follows everything, is in first-line with dana and is granted no area. The VIP
 * case has no team, so only the area rule keeps erin out.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../../src/api/tokens.ts";
import { webOptions } from "../../src/app/runtime.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { inbox, labConfig, rand, sendMail, startApp, testEnv, waitFor, waitForMail, type App } from "../support/harness.ts";

describe("areas per customer group, with access", () => {
  const id = rand();
  const vip = `vip-${id}@customer.test`;
  const plain = `plain-${id}@customer.test`;
  const erin = `erin-${id}@helpdesk.test`;
  const bob = `bob-${id}@helpdesk.test`;
  const cfg = labConfig(id, (doc) => {
    (doc.agents as unknown[]).push({ key: "erin", name: "Erin Berg", email: erin, autoFollowAll: true });
    (doc.teams as { key: string; members: string[] }[]).find((t) => t.key === "first-line")!.members.push("erin");
    (doc.areas as unknown[]).push({ key: "vip-helpdesk", name: "VIP helpdesk", agent: "alice", access: { teams: ["vip-desk"] } });
    const groups = doc.customerGroups as { key: string; responsibilities?: unknown }[];
    groups.find((g) => g.key === "vip")!.responsibilities = { helpdesk: { area: "vip-helpdesk" } };
  });
  let app: App;
  let web: FastifyInstance;
  const agentIds: Record<string, number> = {};
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    app = await startApp(cfg, { env: testEnv() });
    web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, {}));
    for (const a of await app.rt.deps.db.agent.findMany()) agentIds[a.key] = a.id;
    for (const k of ["bob", "erin"]) tokens[k] = (await createToken(app.rt.deps.db, k, ["cases:read"]))!.token;
  });
  afterAll(async () => {
    await web?.close();
    await app?.close();
  });

  const db = () => app.rt.deps.db;
  const caseOf = (messageId: string) =>
    waitFor(async () => (await db().inboundMessage.findFirst({ where: { messageId, caseId: { not: null } }, include: { case: { include: { area: true } } } }))?.case, `case of ${messageId}`);
  const newCaseMails = (caseId: number, agent: string) => db().outboundMail.count({ where: { caseId, kind: "NEW_CASE", recipientAgentId: agentIds[agent]! } });
  const apiGet = (agent: string, number: number) => web.inject({ method: "GET", url: `/api/v1/cases/${number}`, headers: { authorization: `Bearer ${tokens[agent]}` } });

  it("puts the VIP group's case in vip-helpdesk and tells only agents granted the area", async () => {
    const msgId = await sendMail({ from: vip, to: app.support, subject: `VIP outage ${id}`, text: "Everything is down." });
    const c = await caseOf(msgId);
    expect(c.area.key).toBe("vip-helpdesk");
    expect(c.ownerId).toBe(agentIds.alice);
    expect(c.teamId).toBeNull();
    expect((c.routing as { explain: string[] }).explain).toContain('group "vip" processes its "helpdesk" cases in area "vip-helpdesk"');
    const isNotice = (m: { subject?: string }) => m.subject?.includes(`[MC-${c.number}] New case`) ?? false;
    await waitForMail(bob, isNotice, "new-case notice to bob (granted vip-helpdesk through vip-desk)");
    // The plan writes every recipient's row in one transaction, so erin's absence is final once bob's exists.
    expect(await newCaseMails(c.id, "bob")).toBe(1);
    expect(await newCaseMails(c.id, "alice")).toBe(1);
    expect(await newCaseMails(c.id, "erin")).toBe(0);
    expect(await db().follower.count({ where: { caseId: c.id, agentId: agentIds.erin! } })).toBe(0);
    expect((await inbox(erin)).filter(isNotice)).toEqual([]);

    const hidden = await apiGet("erin", Number(c.number));
    const missing = await apiGet("erin", 999_999);
    expect(hidden.statusCode).toBe(404);
    // erin cannot even learn that the case exists: the answer is the one for a number nobody has.
    expect(hidden.body.replace(String(c.number), "<n>")).toBe(missing.body.replace("999999", "<n>"));
    expect((await apiGet("bob", Number(c.number))).statusCode).toBe(200);
  });

  it("leaves a case of an open area to every agent, erin included", async () => {
    const msgId = await sendMail({ from: plain, to: app.support, subject: `Plain question ${id}`, text: "How do I?" });
    const c = await caseOf(msgId);
    expect(c.area.key).toBe("helpdesk");
    await waitForMail(erin, (m) => m.subject?.includes(`[MC-${c.number}] New case`) ?? false, "new-case notice to erin (open area)");
    expect((await apiGet("erin", Number(c.number))).statusCode).toBe(200);
  });
});

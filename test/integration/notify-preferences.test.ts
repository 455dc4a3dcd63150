/**
 * Agents' email preferences and the portal case link, end to end on real services: the helpdesk file's
 * `agents[].notify` reaches Agent.preferences and the notification plan, and MAILCASE_PORTAL_URL reaches a
 * portal follower's update mail.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inbox, labConfig, rand, sendMail, startApp, testEnv, waitFor, waitForMail, type App } from "../support/harness.ts";

describe("notification preferences and portal links", () => {
  const id = rand();
  const PORTAL_URL = "https://portal.test/p";
  // VIP cases go to alice in team vip-desk; erin and frank join that team, erin without new-case notices.
  const cfg = labConfig(id, (doc) => {
    (doc.agents as unknown[]).push(
      { key: "erin", name: "Erin Quiet", email: `erin-${id}@helpdesk.test`, notify: { newCaseInTeam: false } },
      { key: "frank", name: "Frank Eager", email: `frank-${id}@helpdesk.test` },
    );
    const vipDesk = (doc.teams as { key: string; members: string[] }[]).find((t) => t.key === "vip-desk")!;
    vipDesk.members.push("erin", "frank");
  });
  const vip = `vip-${id}@customer.test`;
  const portal = `portal-${id}@customer.test`;
  const colleague = `colleague-${id}@customer.test`;
  const erin = `erin-${id}@helpdesk.test`;
  const frank = `frank-${id}@helpdesk.test`;
  const dana = `dana-${id}@helpdesk.test`;
  let app: App;

  beforeAll(async () => {
    app = await startApp(cfg, { env: testEnv({ MAILCASE_PORTAL_URL: PORTAL_URL }) });
  });
  afterAll(async () => app?.close());

  const db = () => app.rt.deps.db;
  const caseOf = (messageId: string) =>
    waitFor(async () => (await db().inboundMessage.findFirst({ where: { messageId, status: "PROCESSED" }, include: { case: true } }))?.case, `case of ${messageId}`);
  const allSent = (postId: number) =>
    waitFor(async () => {
      const rows = await db().outboundMail.findMany({ where: { postId } });
      return rows.length > 0 && rows.every((r) => r.status === "SENT");
    }, `mails of post ${postId} sent`);

  it("stores the file's switches as the agent's preferences", async () => {
    const rows = await db().agent.findMany({ where: { key: { in: ["erin", "frank"] } }, orderBy: { key: "asc" } });
    expect(rows.map((a) => a.preferences)).toEqual([
      { "new-case-in-team": false, "followed-case-post": true, "assigned-to-me": true, "sla-warning": true },
      { "new-case-in-team": true, "followed-case-post": true, "assigned-to-me": true, "sla-warning": true },
    ]);
    expect((await db().team.findUniqueOrThrow({ where: { key: "vip-desk" } })).followsCases).toBe(true);
  });

  it("gives no new-case notice to a team member who turned it off, while a teammate gets one", async () => {
    const opening = await sendMail({ from: vip, to: app.support, subject: "Server room flooded", text: "Water everywhere." });
    const c = await caseOf(opening);
    expect(c.teamId).toBe((await db().team.findUniqueOrThrow({ where: { key: "vip-desk" } })).id);
    const notice = await waitForMail(frank, (m) => m.subject?.includes(`[MC-${c.number}] New case`) ?? false, "new-case notice to frank");
    expect(notice.text).toContain("Water everywhere.");
    const post = await db().post.findFirstOrThrow({ where: { caseId: c.id, threadRule: "new-case" } });
    await allSent(post.id);
    const erinRow = await db().agent.findUniqueOrThrow({ where: { key: "erin" } });
    expect(await db().outboundMail.count({ where: { postId: post.id, recipientAgentId: erinRow.id } })).toBe(0);
    expect((await inbox(erin)).some((m) => m.subject?.includes(`[MC-${c.number}]`))).toBe(false);
    // The audit trail says who was planned, and why: frank as a team member, erin not at all.
    const frankRow = await db().agent.findUniqueOrThrow({ where: { key: "frank" } });
    const planned = await db().caseEvent.findFirstOrThrow({ where: { caseId: c.id, type: "notifications.planned" } });
    expect(JSON.stringify(planned.data)).toContain(`NEW_CASE:agent:${frankRow.id}:team`);
    expect(JSON.stringify(planned.data)).not.toContain(`:agent:${erinRow.id}:`);
  });

  it("links a portal user's update mail to the case in the portal, and not the agents' copies", async () => {
    const openId = await sendMail({ from: portal, to: app.support, cc: colleague, subject: "Printer jammed", text: "Paper stuck in tray 2." });
    const c = await caseOf(openId);
    await waitForMail(portal, (m) => m.subject === `[MC-${c.number}] Printer jammed`, "acknowledgement to the portal user");
    // The CC'd colleague (no portal account) answers: a public post, an update for the portal follower.
    const replyId = await sendMail({ from: colleague, to: app.support, subject: `Re: [MC-${c.number}] Printer jammed`, inReplyTo: `<${openId}>`, text: "Tray 3 too." });
    await caseOf(replyId);
    const update = await waitForMail(portal, (m) => m.from?.value[0]?.address === app.support && (m.text?.includes("Tray 3 too.") ?? false), "portal update");
    // The recipient's address (not a token: it grants nothing) fills in the sign-in form when signed out.
    const url = `${PORTAL_URL}/cases/${c.number}?email=${encodeURIComponent(portal)}`;
    expect(update.text).toContain(url);
    // In HTML the template escapes "=" as an entity, which mail clients decode back in the attribute.
    expect(update.html || "").toContain(`href="${url.replace("=", "&#x3D;")}"`);
    // Dana (owner by the area default) gets the same post without the customers' portal link.
    const agentCopy = await waitForMail(dana, (m) => m.text?.includes("Tray 3 too.") ?? false, "update to the owner");
    expect(agentCopy.text).not.toContain(PORTAL_URL);
  });
});

/**
 * Case operations as an agent (src/case/ops), on the real services: a phone case routed like mail, a public
 * post mailed to the customer like an email answer, field changes under the mail commands' rules, follow,
 * links, merge (later mail to the merged case's thread lands on the survivor, nobody mailed twice) and clone.
 * Access: dana is not in vip-desk, so every VIP case is "not found" for her, exactly like a missing one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actingAgentByKey, type ActingAgent } from "../../src/case/acting-agent.ts";
import type { OpResult, OpsDeps } from "../../src/case/ops/common.ts";
import { createCase } from "../../src/case/ops/create-case.ts";
import { cloneCase, linkCases } from "../../src/case/ops/link-case.ts";
import { mergeCases } from "../../src/case/ops/merge-case.ts";
import { postOnCase } from "../../src/case/ops/post-case.ts";
import { ChangeInput, CreateCaseInput, LinkInput, PostInput } from "../../src/case/ops/schemas.ts";
import { changeCaseFields, followCase } from "../../src/case/ops/set-case.ts";
import { opsDepsOf } from "../../src/pipeline/case-effects.ts";
import { replyAddress, signReplyToken } from "../../src/threading/reply-token.ts";
import { inbox, labConfig, rand, sendMail, startApp, waitFor, waitForMail, type App } from "../support/harness.ts";

function ok<T>(r: OpResult<T>): { ok: true } & T {
  if (!r.ok) throw new Error(`expected success, got ${r.error}: ${r.reason}`);
  return r;
}

describe("case operations as an agent", () => {
  const id = rand();
  const vip = `vip-${id}@customer.test`;
  const other = `pat-${id}@acme.test`;
  const ceo = `ceo-${id}@customer.test`;
  let app: App;
  let ops: OpsDeps;
  let alice: ActingAgent;
  let dana: ActingAgent;
  const db = () => app.rt.deps.db;
  const create = (agent: ActingAgent, input: unknown) => createCase(ops, agent, CreateCaseInput.parse(input));

  beforeAll(async () => {
    // "board" is an address book only alice may see.
    app = await startApp(
      labConfig(id, (doc) => {
        doc.directories = [{ key: "board", name: "Board", access: { agents: ["alice"] } }];
        (doc.contacts as unknown[]).push({ email: ceo, name: "Cleo CEO", directory: "board" });
      }),
    );
    ops = opsDepsOf(app.rt.deps);
    alice = (await actingAgentByKey(db(), "alice"))!;
    dana = (await actingAgentByKey(db(), "dana"))!;
  });
  afterAll(async () => app?.close());

  it("opens a phone case routed like mail, without mailing the caller unless asked", async () => {
    const quiet = ok(await create(alice, { requester: { email: vip, name: "Vera VIP" }, subject: `Phone ${id}: printer`, description: "Called: printer smokes." }));
    const c = await db().case.findUniqueOrThrow({ where: { id: quiet.caseId }, include: { owner: true, team: true, group: true, posts: true } });
    expect(c).toMatchObject({ origin: "PHONE", status: "ASSIGNED", acknowledge: false });
    expect({ owner: c.owner?.key, team: c.team?.key, group: c.group?.key }).toEqual({ owner: "alice", team: "vip-desk", group: "vip" });
    expect(c.posts).toMatchObject([{ visibility: "PUBLIC", source: "AGENT_DESK", body: "Called: printer smokes." }]);
    // The owner hears of it as of a mailed case; the caller is not acknowledged.
    await waitForMail(`alice-${id}@helpdesk.test`, (m) => m.subject?.includes(`[MC-${quiet.number}] New case`) ?? false, "new-case notice");
    expect(await db().outboundMail.count({ where: { caseId: c.id, kind: "ACK" } })).toBe(0);

    const acked = ok(await create(alice, { requester: { email: vip }, subject: `Phone ${id}: scanner`, acknowledge: true, origin: "WEB" }));
    await waitForMail(vip, (m) => m.subject?.includes(`[MC-${acked.number}]`) ?? false, "acknowledgement");
  });

  it("takes an owner or a team given by the agent instead of routing's", async () => {
    const byOwner = ok(await create(alice, { requester: { email: vip }, subject: "owner given", owner: "dana" }));
    const byTeam = ok(await create(alice, { requester: { email: vip }, subject: "team given", team: "first-line" }));
    const [o, t] = await Promise.all([byOwner, byTeam].map((r) => db().case.findUniqueOrThrow({ where: { id: r.caseId }, include: { owner: true, team: true, group: true } })));
    expect({ owner: o!.owner?.key, team: o!.team?.key, group: o!.group?.key }).toEqual({ owner: "dana", team: "vip-desk", group: "vip" });
    expect({ owner: t!.owner?.key ?? null, team: t!.team?.key }).toEqual({ owner: null, team: "first-line" });
    const refused = await create(alice, { requester: { email: vip }, subject: "x", owner: "nobody" });
    expect(refused).toMatchObject({ ok: false, error: "refused", field: "owner" });
  });

  it("mails a public post to the customer like an emailed answer, and keeps an internal note from them", async () => {
    const c = ok(await create(alice, { requester: { email: other }, subject: `Answer me ${id}` }));
    ok(await postOnCase(ops, alice, PostInput.parse({ case: c.number, visibility: "INTERNAL", body: `internal-${id}: customer is grumpy` })));
    const posted = ok(await postOnCase(ops, alice, PostInput.parse({ case: c.number, visibility: "PUBLIC", body: `public-${id}: please restart the printer` })));
    expect(posted.changed).toContain("status");
    const answer = await waitForMail(other, (m) => m.text?.includes(`public-${id}`) ?? false, "the agent's answer");
    expect(answer.subject).toContain(`[MC-${c.number}]`);
    expect((await inbox(other)).some((m) => m.text?.includes(`internal-${id}`))).toBe(false);
    const after = await db().case.findUniqueOrThrow({ where: { id: c.caseId } });
    expect(after.status).toBe("IN_PROGRESS");
    expect(after.firstRespondedAt).not.toBeNull();
    // The customer's answer to it threads back onto the case.
    await sendMail({ from: other, to: app.support, subject: `Re: ${answer.subject}`, inReplyTo: answer.messageId!, text: "Restarted, works." });
    await waitFor(() => db().post.findFirst({ where: { caseId: c.caseId, body: { contains: "Restarted" } } }), "customer's reply on the case");
  });

  it("changes fields by the mail commands' rules: no closing without a solution, a repeat changes nothing", async () => {
    const c = ok(await create(alice, { requester: { email: vip }, subject: "to close" }));
    const noSolution = await changeCaseFields(ops, alice, ChangeInput.parse({ case: c.number, status: "CLOSED" }));
    expect(noSolution).toMatchObject({ ok: false, error: "refused", field: "solution" });
    expect((await db().case.findUniqueOrThrow({ where: { id: c.caseId } })).status).toBe("ASSIGNED");
    const set = ok(await changeCaseFields(ops, alice, ChangeInput.parse({ case: c.number, priority: "URGENT", status: "CLOSED", solution: "Replaced the toner." })));
    expect(set.changed).toEqual(expect.arrayContaining(["status", "solution", "priority"]));
    const again = ok(await changeCaseFields(ops, alice, ChangeInput.parse({ case: c.number, priority: "URGENT", status: "CLOSED" })));
    expect(again.changed).toEqual([]);
    const events = await db().caseEvent.findMany({ where: { caseId: c.caseId, type: "case.changed" } });
    expect(events.map((e) => (e.data as { field: string; by: string }).by)).toContain(`agent:${alice.agentId}`);
    expect(await changeCaseFields(ops, alice, ChangeInput.parse({ case: c.number, sla: "platinum" }))).toMatchObject({ ok: false, field: "sla" });
  });

  it("follows and unfollows as the acting agent only, idempotently", async () => {
    const c = ok(await create(alice, { requester: { email: `std-${id}@customer.test` }, subject: "follow me" }));
    // dana owns the standard customer's case, so she follows it from the start.
    const off = ok(await followCase(ops, dana, { case: c.number, follow: false }));
    const offAgain = ok(await followCase(ops, dana, { case: c.number, follow: false }));
    expect([off.changed, offAgain.changed]).toEqual([true, false]);
    expect(await db().follower.count({ where: { caseId: c.caseId, agentId: dana.agentId } })).toBe(0);
    const on = ok(await followCase(ops, dana, { case: c.number, follow: true }));
    const onAgain = ok(await followCase(ops, dana, { case: c.number, follow: true }));
    expect([on.changed, onAgain.changed]).toEqual([true, false]);
    expect(await db().follower.count({ where: { caseId: c.caseId, agentId: dana.agentId } })).toBe(1);
    expect(await db().follower.count({ where: { caseId: c.caseId, agentId: alice.agentId } })).toBe(0);
  });

  it("links a sub-case to its parent and two cases as related, refusing a cycle", async () => {
    const p = ok(await create(alice, { requester: { email: vip }, subject: "parent" }));
    const s = ok(await create(alice, { requester: { email: vip }, subject: "child" }));
    ok(await linkCases(ops, alice, LinkInput.parse({ case: s.number, to: p.number, kind: "parent" })));
    expect((await db().case.findUniqueOrThrow({ where: { id: s.caseId } })).parentCaseId).toBe(p.caseId);
    expect(await linkCases(ops, alice, LinkInput.parse({ case: p.number, to: s.number, kind: "parent" }))).toMatchObject({ ok: false, field: "to" });
    const rel = ok(await linkCases(ops, alice, LinkInput.parse({ case: p.number, to: s.number })));
    const relAgain = ok(await linkCases(ops, alice, LinkInput.parse({ case: s.number, to: p.number })));
    expect([rel.changed, relAgain.changed]).toEqual([true, false]);
    expect(await db().caseEvent.count({ where: { caseId: { in: [p.caseId, s.caseId] }, type: "case.related" } })).toBe(2);
  });

  it("clones fields, contacts and description, related to the original, without the stream", async () => {
    const o = ok(await create(alice, { requester: { email: vip }, cc: [other], subject: "clone me", description: "the original words", priority: "LOW" }));
    ok(await changeCaseFields(ops, alice, ChangeInput.parse({ case: o.number, severity: "MAJOR", reason: "hardware" })));
    const cl = ok(await cloneCase(ops, alice, { case: o.number }));
    const [a, b] = await Promise.all([o.caseId, cl.caseId].map((caseId) => db().case.findUniqueOrThrow({ where: { id: caseId }, include: { contacts: true, posts: true } })));
    for (const f of ["subject", "description", "priority", "severity", "reason", "ownerId", "teamId", "groupId", "slaContractId"] as const) expect(b![f], f).toEqual(a![f]);
    expect(b!.contacts.map((c) => [c.contactId, c.role]).sort()).toEqual(a!.contacts.map((c) => [c.contactId, c.role]).sort());
    expect(b!.posts).toEqual([]);
    expect(await db().caseRelation.count({ where: { OR: [{ caseId: a!.id, relatedId: b!.id }, { caseId: b!.id, relatedId: a!.id }] } })).toBe(1);
  });

  it("merges A into B: later mail to A's thread, tag and reply token lands on B, nobody is mailed twice", async () => {
    // The same customer opened the same problem twice by mail.
    const first = await sendMail({ from: vip, to: app.support, subject: `Merge ${id} first`, text: "Our plotter is broken." });
    const a = await waitFor(async () => (await db().inboundMessage.findFirst({ where: { messageId: first, caseId: { not: null } }, include: { case: true } }))?.case, "case A");
    const second = await sendMail({ from: vip, cc: other, to: app.support, subject: `Merge ${id} second`, text: "The plotter, again." });
    const b = await waitFor(async () => (await db().inboundMessage.findFirst({ where: { messageId: second, caseId: { not: null } }, include: { case: true } }))?.case, "case B");
    const ack = await waitForMail(vip, (m) => m.subject?.includes(`[MC-${a.number}]`) ?? false, "A's acknowledgement");
    const postsBefore = await db().post.findMany({ where: { caseId: { in: [a.id, b.id] } }, select: { id: true } });

    const merged = ok(await mergeCases(ops, alice, { case: Number(a.number), into: Number(b.number) }));
    expect(merged).toMatchObject({ already: false, posts: 1 });
    expect(ok(await mergeCases(ops, alice, { case: Number(a.number), into: Number(b.number) })).already).toBe(true);
    const [ca, cb] = await Promise.all([a.id, b.id].map((caseId) => db().case.findUniqueOrThrow({ where: { id: caseId }, include: { posts: true } })));
    expect(ca).toMatchObject({ status: "CLOSED", mergedIntoId: b.id, posts: [] });
    expect(ca!.solution).toContain(`${b.number}`);
    expect(cb!.posts.map((p) => p.id).sort()).toEqual(postsBefore.map((p) => p.id).sort());
    expect(await db().caseEvent.count({ where: { caseId: a.id, type: "case.merged" } })).toBe(1);
    expect(await db().caseEvent.count({ where: { caseId: b.id, type: "case.merged-from" } })).toBe(1);

    // A reply to A's acknowledgement (Message-ID), a new mail with A's tag, and an agent's token for A: all on B.
    await sendMail({ from: vip, to: app.support, subject: `Re: ${ack.subject}`, inReplyTo: ack.messageId!, text: `by-reference-${id}` });
    await sendMail({ from: vip, to: app.support, subject: `[MC-${a.number}] still broken`, text: `by-tag-${id}` });
    const token = replyAddress(app.support, signReplyToken(app.rt.deps.secret, { caseId: a.id, agentId: alice.agentId, visibility: "internal" }));
    await sendMail({ from: `alice-${id}@helpdesk.test`, to: token, subject: "Re: A", text: `by-token-${id}` });
    for (const marker of ["by-reference", "by-tag", "by-token"]) {
      const post = await waitFor(() => db().post.findFirst({ where: { body: { contains: `${marker}-${id}` } } }), marker);
      expect(post.caseId, marker).toBe(b.id);
    }
    expect(await db().case.count({ where: { subject: { contains: "still broken" } } })).toBe(0);

    // vip is a contact of both cases: an answer on B reaches them once.
    const answer = ok(await postOnCase(ops, alice, PostInput.parse({ case: b.number, visibility: "PUBLIC", body: `merged-answer-${id}` })));
    await waitForMail(other, (m) => m.text?.includes(`merged-answer-${id}`) ?? false, "answer to the CC");
    expect(await db().outboundMail.count({ where: { postId: answer.postId, toAddress: vip } })).toBe(1);
  });

  it("treats a case the agent may not see as not found, for every operation", async () => {
    const c = ok(await create(alice, { requester: { email: vip }, subject: "VIP only" }));
    // A standard customer's case: area default owner dana, team first-line.
    const mine = ok(await create(dana, { requester: { email: `std-${id}@customer.test` }, subject: "dana's own" }));
    const results = [
      await postOnCase(ops, dana, PostInput.parse({ case: c.number, body: "peek" })),
      await changeCaseFields(ops, dana, ChangeInput.parse({ case: c.number, priority: "LOW" })),
      await followCase(ops, dana, { case: c.number, follow: true }),
      await linkCases(ops, dana, LinkInput.parse({ case: mine.number, to: c.number })),
      await mergeCases(ops, dana, { case: mine.number, into: c.number }),
      await cloneCase(ops, dana, { case: c.number }),
    ];
    for (const r of results) expect(r).toMatchObject({ ok: false, error: "not-found", reason: `case ${c.number} not found` });
    // The same words as for a case that does not exist.
    expect(await cloneCase(ops, dana, { case: 999_999 })).toMatchObject({ ok: false, error: "not-found", reason: "case 999999 not found" });
    const untouched = await db().case.findUniqueOrThrow({ where: { id: c.caseId }, include: { posts: true, followers: true } });
    expect(untouched.priority).not.toBe("LOW");
    expect(untouched.posts).toHaveLength(1);
    expect(untouched.followers.some((f) => f.agentId === dana.agentId)).toBe(false);
  });

  it("keeps an address book closed to the agent closed: no case for its contacts, no private post to them", async () => {
    expect(await create(dana, { requester: { email: ceo }, subject: "for the CEO" })).toMatchObject({ ok: false, error: "refused", field: "requester.email" });
    expect(await create(dana, { requester: { email: `std2-${id}@customer.test` }, cc: [ceo], subject: "cc the CEO" })).toMatchObject({ ok: false, field: "cc.0" });
    expect(await db().case.count({ where: { subject: { in: ["for the CEO", "cc the CEO"] } } })).toBe(0);
    // alice may: a standard case (team first-line, which dana is in) owned by alice, with the CEO in CC.
    const c = ok(await create(alice, { requester: { email: `std3-${id}@customer.test` }, cc: [ceo], subject: "with the CEO", owner: "alice" }));
    const toCeo = PostInput.parse({ case: c.number, visibility: "PRIVATE", to: ceo, body: "just for you" });
    expect(await postOnCase(ops, dana, toCeo)).toMatchObject({ ok: false, error: "refused", field: "to" });
    ok(await postOnCase(ops, alice, toCeo));
    expect(await db().post.count({ where: { caseId: c.caseId, visibility: "PRIVATE" } })).toBe(1);
  });
});

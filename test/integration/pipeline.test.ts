/**
 * End to end on real services: SMTP (Postfix) → IMAP (Dovecot) → poller → ingest → notify → send → IMAP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestJobId } from "../../src/pipeline/ingest/ingest.job.ts";
import { inbox, labConfig, rand, sendMail, startApp, waitFor, waitForMail, type App } from "../support/harness.ts";

describe("mail in → routed case → notifications out", () => {
  const id = rand();
  const cfg = labConfig(id);
  const vip = `vip-${id}@customer.test`;
  const stranger = `someone-${id}@customer.test`;
  const portal = `portal-${id}@customer.test`;
  const cc = `colleague-${id}@customer.test`;
  const alice = `alice-${id}@helpdesk.test`;
  const bob = `bob-${id}@helpdesk.test`;
  let app: App;
  let support: string;

  beforeAll(async () => {
    app = await startApp(cfg);
    support = app.support;
  });
  afterAll(async () => app?.close());

  const db = () => app.rt.deps.db;
  const caseOfInbound = (messageId: string) =>
    waitFor(
      async () => {
        const row = await db().inboundMessage.findFirst({ where: { messageId, status: { not: "PENDING" } } });
        return row?.caseId ? row : null;
      },
      `inbound ${messageId} processed`,
    );

  let caseId = 0;
  let openingId = "";

  it("turns a customer mail into a routed case with SLA due times and acknowledges it", async () => {
    const sentAt = Date.now();
    openingId = await sendMail({ from: `"Vera VIP" <${vip}>`, to: support, subject: "Printer on fire", text: "Our printer is on fire.\n\nVera" });
    const inbound = await caseOfInbound(openingId);
    caseId = inbound.caseId!;
    const c = await db().case.findUniqueOrThrow({ where: { id: caseId }, include: { owner: true, team: true, group: true, slaContract: true } });
    expect(c).toMatchObject({ subject: "Printer on fire", origin: "EMAIL", priority: "HIGH", status: "ASSIGNED" });
    expect(c.owner?.key).toBe("alice");
    expect(c.team?.key).toBe("vip-desk");
    expect(c.group?.key).toBe("vip");
    expect(c.slaContract?.key).toBe("gold");
    // Gold/HIGH: first response 1 h, resolution 8 h after the case opened.
    expect(c.firstResponseDueAt!.getTime() - c.createdAt.getTime()).toBe(60 * 60_000);
    expect(c.resolutionDueAt!.getTime() - c.createdAt.getTime()).toBe(8 * 60 * 60_000);
    expect(c.createdAt.getTime()).toBeGreaterThanOrEqual(sentAt - 1000);

    const ack = await waitForMail(vip, (m) => m.subject === `[MC-${c.number}] Printer on fire`, "acknowledgement");
    expect(ack.inReplyTo).toBe(`<${openingId}>`);
    expect(ack.headers.get("auto-submitted")).toBe("auto-replied");
    expect(ack.text).toContain(`MC-${c.number}`);
    expect((await inbox(vip)).length).toBe(1);
  });

  // Filing is idempotent, so a job that failed after its commit and passed on retry ("already done") would still
  // give the right case: only the job's own record shows that the message was filed on the first attempt.
  it("files a new case on the ingest job's first attempt, with the case as the job's result", async () => {
    const inbound = await caseOfInbound(openingId);
    const job = await app.rt.deps.queues.ingest.getJob(ingestJobId(inbound.id));
    expect(job?.failedReason ?? null).toBeNull();
    expect(job?.returnvalue).toMatchObject({ kind: "case-created", caseId });
  });

  it("notifies the owner and the auto-follow agent of the new case, with a signed reply address", async () => {
    const c = await db().case.findUniqueOrThrow({ where: { id: caseId } });
    for (const agent of [alice, bob]) {
      const notice = await waitForMail(agent, (m) => m.subject?.includes(`[MC-${c.number}] New case`) ?? false, "new-case notice");
      expect(notice.text).toContain("Our printer is on fire.");
      const replyTo = notice.replyTo?.value[0]?.address ?? "";
      expect(replyTo).toMatch(new RegExp(`^support-${id}\\+c${caseId}a\\d+vp-[0-9a-f]{16}@helpdesk\\.test$`));
    }
  });

  it("files the customer's reply on the same case", async () => {
    const c = await db().case.findUniqueOrThrow({ where: { id: caseId } });
    const ack = (await inbox(vip))[0]!;
    const replyId = await sendMail({
      from: vip,
      to: support,
      subject: `Re: ${ack.subject}`,
      inReplyTo: ack.messageId,
      references: [`<${openingId}>`, ack.messageId!],
      text: "It is still burning.\n\nOn Mon, Support wrote:\n> Hello Vera,\n> thank you",
    });
    const inbound = await caseOfInbound(replyId);
    expect(inbound.caseId).toBe(caseId);
    const post = await db().post.findUniqueOrThrow({ where: { inboundId: inbound.id } });
    expect(post).toMatchObject({ visibility: "PUBLIC", threadRule: "in-reply-to" });
    expect(post.body).toBe("It is still burning.");
    expect(await db().case.count()).toBe(1);
    expect((await db().case.findUniqueOrThrow({ where: { id: caseId } })).number).toBe(c.number);
  });

  it("mails an agent's emailed answer to the customer, threaded under the case", async () => {
    const c = await db().case.findUniqueOrThrow({ where: { id: caseId } });
    const notice = await waitForMail(alice, (m) => m.subject?.includes("New case") ?? false, "new-case notice");
    await sendMail({
      from: `"Alice Novak" <${alice}>`,
      to: notice.replyTo!.value[0]!.address!,
      subject: `Re: ${notice.subject}`,
      inReplyTo: notice.messageId,
      text: "Please unplug it and step away.\n\n> New case ...",
    });
    const reply = await waitForMail(vip, (m) => m.text?.includes("Please unplug it") ?? false, "agent reply");
    expect(reply.subject).toBe(`[MC-${c.number}] Printer on fire`);
    expect(reply.from?.value[0]).toMatchObject({ address: support, name: "Alice Novak via ACME Support" });
    expect(reply.references).toContain(`<${openingId}>`);
    expect(reply.inReplyTo).toBeTruthy();
    expect(reply.headers.get("auto-submitted")).toBeUndefined();
    const post = await db().post.findFirstOrThrow({ where: { caseId, source: "AGENT_EMAIL" } });
    expect(post).toMatchObject({ visibility: "PUBLIC", body: "Please unplug it and step away." });
    expect((await db().case.findUniqueOrThrow({ where: { id: caseId } })).firstRespondedAt).not.toBeNull();
  });

  it("keeps an agent's #internal reply away from every customer", async () => {
    const notice = await waitForMail(alice, (m) => m.subject?.includes("New case") ?? false, "new-case notice");
    const before = (await inbox(vip)).length;
    await sendMail({ from: alice, to: notice.replyTo!.value[0]!.address!, subject: `Re: ${notice.subject}`, text: "#internal\nCustomer sounds panicky; call them." });
    const post = await waitFor(() => db().post.findFirst({ where: { caseId, visibility: "INTERNAL" } }), "internal post");
    expect(post.body).toBe("Customer sounds panicky; call them.");
    // Bob (auto-follow) gets the internal note; once he has it, every mail of this post has gone out.
    const note = await waitForMail(bob, (m) => m.text?.includes("call them") ?? false, "internal note to bob");
    expect(note.subject).toContain("[internal]");
    const outbound = await db().outboundMail.findMany({ where: { postId: post.id } });
    expect(outbound.every((o) => o.recipientContactId === null)).toBe(true);
    await waitFor(async () => (await db().outboundMail.count({ where: { postId: post.id, status: "PENDING" } })) === 0, "internal note sent");
    expect((await inbox(vip)).length).toBe(before);
    expect((await inbox(vip)).some((m) => m.text?.includes("panicky"))).toBe(false);
  });

  it("refuses an agent reply address used from another From, and keeps the message", async () => {
    const notice = await waitForMail(alice, (m) => m.subject?.includes("New case") ?? false, "new-case notice");
    const forgedId = await sendMail({ from: stranger, to: notice.replyTo!.value[0]!.address!, subject: "Re: x", text: "let me in" });
    const row = await waitFor(() => db().inboundMessage.findFirst({ where: { messageId: forgedId, status: "QUARANTINED" } }), "quarantine");
    expect(row.reason).toContain("From is");
    expect(row.raw.length).toBeGreaterThan(0);
    expect(await db().post.count({ where: { body: { contains: "let me in" } } })).toBe(0);
  });

  it("gives a portal user updates of public posts only, and a plain contact none", async () => {
    const openId = await sendMail({ from: portal, to: support, cc: cc, subject: "VPN down", text: "VPN is down for the whole office." });
    const opened = await caseOfInbound(openId);
    const c = await db().case.findUniqueOrThrow({ where: { id: opened.caseId! } });
    await waitForMail(portal, (m) => m.subject === `[MC-${c.number}] VPN down`, "ack to portal user");
    // The CC'd colleague (no portal account) answers with reply-all: a public post on the case.
    const colleagueReply = await sendMail({ from: cc, to: support, cc: portal, subject: `Re: [MC-${c.number}] VPN down`, inReplyTo: `<${openId}>`, text: "Same here since 9:00." });
    await caseOfInbound(colleagueReply);
    // (The colleague also CC'd the portal user directly; the update is the one Mailcase sends.)
    const update = await waitForMail(portal, (m) => m.from?.value[0]?.address === support && (m.text?.includes("Same here since 9:00.") ?? false), "portal update");
    expect(update.subject).toBe(`[MC-${c.number}] VPN down`);
    // An internal note on the same case reaches agents only.
    const dana = `dana-${id}@helpdesk.test`;
    const notice = await waitForMail(dana, (m) => m.subject?.includes(`[MC-${c.number}] New case`) ?? false, "notice to area owner dana");
    await sendMail({ from: dana, to: notice.replyTo!.value[0]!.address!, subject: "Re", text: "#internal\nKnown outage at the ISP." });
    const note = await waitFor(() => db().post.findFirst({ where: { caseId: c.id, visibility: "INTERNAL" } }), "internal note");
    await waitFor(async () => {
      const rows = await db().outboundMail.findMany({ where: { postId: note.id } });
      return rows.length > 0 && rows.every((r) => r.status === "SENT");
    }, "internal note mails sent");
    await waitForMail(bob, (m) => m.text?.includes("Known outage") ?? false, "note to bob");
    expect((await inbox(portal)).some((m) => m.text?.includes("Known outage"))).toBe(false);
    // The colleague has no portal account: no stream notifications at all, only the agents' replies.
    // (It did receive the customers' own mails directly, as CC; none came from Mailcase.)
    expect((await inbox(cc)).filter((m) => m.from?.value[0]?.address === support)).toHaveLength(0);
  });

  it("hides an internal case from the portal: its portal follower gets no more updates, but agents' answers still reach them", async () => {
    const c = await db().case.findFirstOrThrow({ where: { subject: "VPN down" } });
    const dana = `dana-${id}@helpdesk.test`;
    const notice = await waitForMail(dana, (m) => m.subject?.includes(`[MC-${c.number}] New case`) ?? false, "notice to dana");
    const cmd = await sendMail({ from: dana, to: notice.replyTo!.value[0]!.address!, subject: "Re", text: "#portal off" });
    await waitFor(() => db().inboundMessage.findFirst({ where: { messageId: cmd, status: "PROCESSED" } }), "command filed");
    expect((await db().case.findUniqueOrThrow({ where: { id: c.id } })).internal).toBe(true);
    await sendMail({ from: cc, to: support, subject: `Re: [MC-${c.number}] VPN down`, inReplyTo: `<${notice.messageId}>`, text: "Still down at 11:00." });
    const post = await waitFor(() => db().post.findFirst({ where: { caseId: c.id, body: "Still down at 11:00." } }), "colleague's post");
    await waitFor(async () => (await db().post.findUniqueOrThrow({ where: { id: post.id } })).notifiedAt !== null, "post planned");
    await waitForMail(bob, (m) => m.text?.includes("Still down at 11:00.") ?? false, "update to bob");
    expect(await db().outboundMail.count({ where: { postId: post.id, toAddress: portal } })).toBe(0);
    expect((await inbox(portal)).some((m) => m.from?.value[0]?.address === support && (m.text?.includes("Still down at 11:00.") ?? false))).toBe(false);
    // Hidden from the portal is not hidden from the customer: an agent's public answer by email still reaches
    // the requester, who is the portal user.
    await sendMail({ from: dana, to: notice.replyTo!.value[0]!.address!, subject: "Re", text: "The ISP expects a fix by noon." });
    await waitForMail(portal, (m) => m.from?.value[0]?.address === support && (m.text?.includes("The ISP expects a fix by noon.") ?? false), "agent's answer to the portal user");
  });

  it("does not let a stranger onto a case by writing its tag in the subject", async () => {
    const c = await db().case.findUniqueOrThrow({ where: { id: caseId } });
    const msgId = await sendMail({ from: `intruder-${id}@globex.test`, to: support, subject: `[MC-${c.number}] give me the details`, text: "hi" });
    const inbound = await caseOfInbound(msgId);
    expect(inbound.caseId).not.toBe(caseId);
  });
});

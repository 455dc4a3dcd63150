/**
 * Follow-up cadences and owner nudges on the real services, with a controlled clock: an agent sets a case
 * waiting on the customer by email, the reminder jobs are delayed BullMQ jobs with deterministic ids; moving the
 * clock past a step and promoting its job mails the customer a reminder in their language, threaded in the
 * case, once however often the job runs; the customer's answer releases the case; an unanswered cadence
 * resolves the case with a notice to the customer and the owner; the sweeper re-derives lost jobs; an owned
 * case nobody acts on nudges its owner.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ParsedMail } from "mailparser";
import { sweep } from "../../src/pipeline/sweeper.ts";
import { automationJobId, type AutomationPayload } from "../../src/pipeline/sla/automation.job.ts";
import { GAVE_UP_SOLUTION, processAutomation } from "../../src/pipeline/sla/automation-run.ts";
import { lastAgentActionAt } from "../../src/pipeline/sla/automation-schedule.ts";
import { loadScheduleRows, scheduleRowOf } from "../../src/pipeline/sla/schedule-load.ts";
import { openCase } from "../../src/case/open-case.ts";
import { inbox, labConfig, rand, sendMail, startApp, waitFor, waitForMail, type App } from "../support/harness.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The wall clock moved by `offset`: what the runtime reads as now (BullMQ delays still run on real time). */
const clock = { offset: 0, now: () => new Date(Date.now() + clock.offset) };

describe("follow-ups until the customer answers, and owner nudges", () => {
  const id = rand();
  const vip = `vip-${id}@customer.test`;
  const alice = `alice-${id}@helpdesk.test`;
  const cfg = labConfig(id, (doc) => {
    // The VIP group's cadence (gold has no calendar: a working day is 24 h): reminders after 2 and 5 days, resolve after 7.
    (doc.customerGroups as Array<Record<string, unknown>>).find((g) => g.key === "vip")!.followUp = { reminders: ["2wd", "5wd"], giveUpAfter: "7wd", giveUp: "resolve" };
    (doc.contacts as unknown[]).push({ email: vip, name: "Věra VIP", locale: "cs" });
    doc.automation = { nudgeOwnerAfter: "4h" };
  });
  let app: App;

  beforeAll(async () => {
    app = await startApp(cfg, { clock });
  });
  afterAll(async () => app?.close());

  const deps = () => app.rt.deps;
  const db = () => app.rt.deps.db;
  const processed = (messageId: string) => waitFor(() => db().inboundMessage.findFirst({ where: { messageId, status: { not: "PENDING" } } }), `inbound ${messageId}`);

  /** A VIP case opened by mail, answered by its owner alice with `#status waiting`. */
  async function waitingCase(subject: string) {
    const opening = await sendMail({ from: `"Věra VIP" <${vip}>`, to: app.support, subject, text: `${subject}, please help.` });
    const c = await waitFor(() => db().case.findFirst({ where: { subject } }), "case");
    const notice = await waitForMail(alice, (m) => m.subject?.includes(`[MC-${c.number}] New case`) ?? false, "new-case notice");
    const reply = await sendMail({
      from: `"Alice Novak" <${alice}>`,
      to: notice.replyTo!.value[0]!.address!,
      subject: `Re: [MC-${c.number}] New case`,
      inReplyTo: notice.messageId!,
      text: "#status waiting\nWhich model is it?",
    });
    await processed(reply);
    await waitFor(async () => (await db().case.findUniqueOrThrow({ where: { id: c.id } })).status === "WAITING_ON_CUSTOMER", "waiting");
    const since = await db().caseEvent.findFirstOrThrow({ where: { caseId: c.id, type: "case.changed" }, orderBy: { id: "desc" } });
    return { ...c, opening, since: since.createdAt };
  }

  const jobOf = (p: AutomationPayload) => deps().queues.automation.getJob(automationJobId(p));
  const step = (caseId: number, since: Date, n: number, at: number): AutomationPayload => ({ v: 1, kind: "follow-up", caseId, anchorAt: since.getTime(), step: n, at });
  /** Moves the clock to `ms` after `from` and runs the job now (as if its delay had passed). */
  async function fireAt(p: AutomationPayload, from: Date, ms: number) {
    clock.offset = from.getTime() + ms + 60_000 - Date.now();
    const job = await jobOf(p);
    expect(await job?.getState(), `job ${automationJobId(p)}`).toBe("delayed");
    await job!.promote();
    await waitFor(async () => (await jobOf(p)) === undefined, `job ${automationJobId(p)} done`);
  }
  const reminders = (mails: ParsedMail[], number: number) => mails.filter((m) => m.subject?.startsWith(`[MC-${number}] Připomínka`));

  let released: Awaited<ReturnType<typeof waitingCase>>;

  it("plans the reminders as delayed jobs at 2 and 5 working days and the give-up at 7", async () => {
    const c = await waitingCase("Tiskárna netiskne");
    released = c;
    // Alice's answer is the case's last agent action (the anchor of a nudge, were the case not waiting).
    expect((await lastAgentActionAt(db(), c)).getTime()).toBeGreaterThanOrEqual(c.since.getTime());
    for (const [n, days] of [[0, 2], [1, 5], [2, 7]] as const) {
      // The jobs are added right after the reply's transaction commits, so a moment after the status shows.
      const job = await waitFor(() => jobOf(step(c.id, c.since, n, 0)), `follow-up job ${n}`);
      expect(await job.getState(), `step ${n}`).toBe("delayed");
      expect((job.data as AutomationPayload).kind === "follow-up" && job.data.at).toBe(c.since.getTime() + days * DAY);
    }
  }, 60_000);

  it("mails the first reminder in Czech, threaded in the case, once however often the job runs", async () => {
    const c = released;
    const p = step(c.id, c.since, 0, c.since.getTime() + 2 * DAY);
    await fireAt(p, c.since, 2 * DAY);
    const mail = await waitForMail(vip, (m) => reminders([m], Number(c.number)).length > 0, "first reminder");
    expect(mail.subject).toBe(`[MC-${c.number}] Připomínka: čekáme na vaši odpověď: Tiskárna netiskne`);
    expect(mail.text).toContain("připomínka 1");
    expect(mail.headers.get("auto-submitted")).toBe("auto-generated");
    // Threaded: the customer's opening message is the thread's root.
    expect(mail.references).toContain(`<${c.opening}>`);
    // A second run of the same step (a retry, a duplicate add) records and mails nothing.
    expect(await processAutomation(deps(), p)).toEqual({ kind: "already-recorded" });
    expect(await db().caseReminder.count({ where: { caseId: c.id, kind: "follow-up" } })).toBe(1);
    expect(await db().caseEvent.count({ where: { caseId: c.id, type: "followup.reminded" } })).toBe(1);
    await waitFor(async () => (await db().outboundMail.count({ where: { caseId: c.id, status: "PENDING" } })) === 0, "sent");
    expect(reminders(await inbox(vip), Number(c.number))).toHaveLength(1);
  }, 60_000);

  it("releases the case when the customer answers: it resumes and later steps do nothing", async () => {
    const c = released;
    const reminder = reminders(await inbox(vip), Number(c.number))[0]!;
    await processed(await sendMail({ from: vip, to: app.support, subject: `Re: ${reminder.subject}`, inReplyTo: reminder.messageId!, text: "Model LJ-4000." }));
    expect((await db().case.findUniqueOrThrow({ where: { id: c.id } })).status).toBe("IN_PROGRESS");
    const second = step(c.id, c.since, 1, c.since.getTime() + 5 * DAY);
    await fireAt(second, c.since, 5 * DAY);
    expect(await processAutomation(deps(), second)).toEqual({ kind: "skipped", reason: "released" });
    expect(await db().caseReminder.count({ where: { caseId: c.id, kind: "follow-up" } })).toBe(1);
    expect(reminders(await inbox(vip), Number(c.number))).toHaveLength(1);
    clock.offset = 0;
  }, 60_000);

  it("resolves the case after the last unanswered reminder, telling the customer and the owner", async () => {
    const c = await waitingCase("Skener hlásí chybu");
    for (const [n, days] of [[0, 2], [1, 5]] as const) await fireAt(step(c.id, c.since, n, c.since.getTime() + days * DAY), c.since, days * DAY);
    await waitFor(async () => reminders(await inbox(vip), Number(c.number)).length === 2, "two reminders");
    await fireAt(step(c.id, c.since, 2, c.since.getTime() + 7 * DAY), c.since, 7 * DAY);
    const row = await db().case.findUniqueOrThrow({ where: { id: c.id } });
    expect(row).toMatchObject({ status: "RESOLVED", solution: GAVE_UP_SOLUTION });
    const final = await waitForMail(vip, (m) => m.subject === `[MC-${c.number}] Vyřešeno: neozvali jste se: Skener hlásí chybu`, "final notice");
    expect(final.text).toContain("požadavek jsme označili jako vyřešený");
    const owner = await waitForMail(alice, (m) => m.subject === `[MC-${c.number}] No answer from the customer: Skener hlásí chybu`, "owner notice");
    expect(owner.text).toContain("The case was resolved automatically and the customer was told.");
    expect(await db().caseEvent.findFirst({ where: { caseId: c.id, type: "followup.gave-up" } })).toMatchObject({ data: { action: "resolve", status: "RESOLVED" } });
    // The give-up notice is the customer's resolution mail: no second one.
    await waitFor(async () => (await db().outboundMail.count({ where: { caseId: c.id, status: "PENDING" } })) === 0, "sent");
    expect(await db().caseEvent.count({ where: { caseId: c.id, type: "resolution.mailed" } })).toBe(0);
    expect((await inbox(vip)).filter((m) => m.subject?.startsWith(`[MC-${c.number}] Vyřešeno`))).toHaveLength(1);
    clock.offset = 0;
  }, 90_000);

  it("re-derives a lost reminder job from the database on the next sweep", async () => {
    const c = await waitingCase("Monitor bliká");
    const p = step(c.id, c.since, 0, c.since.getTime() + 2 * DAY);
    await (await jobOf(p))!.remove();
    expect(await jobOf(p)).toBeUndefined();
    await sweep(deps(), 30_000, { afterId: 0 }, { afterId: 0 });
    expect(await (await jobOf(p))?.getState()).toBe("delayed");
  }, 60_000);

  it("nudges the owner of a case nobody acted on for 4 business hours, once per quiet spell", async () => {
    const subject = "Klávesnice nefunguje";
    await sendMail({ from: vip, to: app.support, subject, text: "Nepíše." });
    const c = await waitFor(() => db().case.findFirst({ where: { subject } }), "case");
    const p: AutomationPayload = { v: 1, kind: "nudge", caseId: c.id, anchorAt: c.createdAt.getTime(), at: c.createdAt.getTime() + 4 * HOUR };
    await waitFor(async () => (await jobOf(p)) !== undefined, "nudge job");
    await fireAt(p, c.createdAt, 4 * HOUR);
    const nudge = await waitForMail(alice, (m) => m.subject === `[MC-${c.number}] Waiting for you: ${subject}`, "nudge");
    expect(nudge.text).toContain(`nobody has worked on case MC-${c.number} since`);
    expect(await processAutomation(deps(), p)).toEqual({ kind: "already-recorded" });
    expect(await db().caseEvent.count({ where: { caseId: c.id, type: "nudge.sent" } })).toBe(1);
    clock.offset = 0;
    // Alice acts (an internal note by mail): a new quiet spell starts, with its own nudge job; the old anchor is stale.
    const notice = await waitForMail(alice, (m) => m.subject?.includes(`[MC-${c.number}] New case`) ?? false, "new-case notice");
    await processed(await sendMail({ from: alice, to: notice.replyTo!.value[0]!.address!, subject: `Re: [MC-${c.number}] New case`, inReplyTo: notice.messageId!, text: "#internal\nLooking into it." }));
    const acted = await lastAgentActionAt(db(), c);
    expect(acted.getTime()).toBeGreaterThan(c.createdAt.getTime());
    const next: AutomationPayload = { v: 1, kind: "nudge", caseId: c.id, anchorAt: acted.getTime(), at: acted.getTime() + 4 * HOUR };
    await waitFor(async () => (await (await jobOf(next))?.getState()) === "delayed", "next nudge job");
    expect(await processAutomation(deps(), { ...p, anchorAt: c.createdAt.getTime() + 1 })).toEqual({ kind: "skipped", reason: "stale" });
  }, 60_000);

  // Ingest schedules a new case's timers from the row its opening statement returns, not from a read-back:
  // that row must be what the scheduler's own read would give, or a new case's reminders and SLA jobs drift.
  it("the scheduling row returned by the statement that opens a case equals the scheduler's read of it", async () => {
    const [mailbox, requester] = await Promise.all([
      db().mailbox.findFirstOrThrow({ where: { active: true } }),
      db().contact.findUniqueOrThrow({ where: { email: vip } }),
    ]);
    for (const [subject, domain] of [["Scheduled VIP case", "customer.test"], ["Scheduled plain case", "elsewhere.test"]] as const) {
      const opened = await db().$transaction((tx) =>
        openCase(tx, {
          requester: { id: requester.id, accountId: requester.accountId, directoryId: requester.directoryId, portalUser: false, bouncing: false },
          requesterDomain: domain,
          ccContactIds: [],
          mailboxId: mailbox.id,
          origin: "EMAIL",
          subject,
          description: subject,
          post: { source: "CUSTOMER_EMAIL", subject, body: subject, inboundId: null },
          linkTo: null,
          threading: "test",
          inboundId: null,
          forwardedBy: null,
          now: new Date(),
        }),
      );
      const [read] = await loadScheduleRows(db(), [opened.caseId]);
      expect(read).toBeDefined();
      expect(scheduleRowOf(opened.schedule)).toEqual(read);
    }
    // The VIP case carries its group's cadence and its contract: the comparison covered the joined columns.
    const [vipCase] = await loadScheduleRows(db(), [(await db().case.findFirstOrThrow({ where: { subject: "Scheduled VIP case" } })).id]);
    expect(vipCase?.automation.group?.key).toBe("vip");
    expect(vipCase?.sla.firstResponseDueAt).not.toBeNull();
  });
});

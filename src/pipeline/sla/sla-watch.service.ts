/**
 * Watches SLA due times with delayed jobs, and acts when one fires.
 *
 * - `scheduleSla` (after any commit that may have moved a due time, and from the sweeper) loads the cases,
 *   plans their jobs with the pure rule (sla-status.ts planSlaJobs) and adds only each case's nearest one
 *   (nearestSlaJobs: ties all): one delayed job per case, not one per warning and breach. Job ids are
 *   deterministic per (case, metric, kind, due instant), so re-scheduling an unchanged case adds nothing, and
 *   a changed due time adds the new nearest job while the old one finds a different due time stored and does
 *   nothing.
 * - `processSlaCheck` (the sla queue's job) re-loads the case in a transaction with the row locked, asks
 *   decideSlaJob, and on "fire" records the SlaEvent (unique key: a second run records nothing and sends
 *   nothing), an audit CaseEvent and the escalation outbox rows, all together; sending happens after commit.
 *   Then, whatever it decided (except "too early", which re-delays the job itself), it plans the case again
 *   and adds the next nearest job: that chain, every writer's re-plan and the sweeper's are what keep each
 *   later instant watched.
 */
import { wantsEmail } from "../../config/agent-preferences.ts";
import { canSeeCase, caseAccessOf } from "../../case/access.ts";
import { agentViewerFor } from "../../case/acting-agent.ts";
import { caseNo, formatCaseNumber } from "../../case/case-number.ts";
import { createHash } from "node:crypto";
import { DateTime } from "luxon";
import type { Deps } from "../../kernel/deps.ts";
import type { DbOrTx } from "../../db/client.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { recordEvents } from "../../case/case-events.ts";
import { writeOutbound, type OutboundDraft } from "../../case/outbox.ts";
import { enqueueSend } from "../send/send.job.ts";
import { enqueueSla, slaJobId, type SlaPayload } from "./sla.job.ts";
import { enqueueAutomationOf } from "./automation-schedule.ts";
import { loadScheduleRows, scheduleRowOf, type ScheduleRow } from "./schedule-load.ts";
import { replyAddress, signReplyToken } from "../../threading/reply-token.ts";
import { caseTag } from "../../threading/subject.ts";
import type { BusinessCalendar, Interval } from "../../sla/calendar.ts";
import { awaitingCustomerPostSince, calendarOf } from "../../sla/sla.service.ts";
import { decideSlaJob, escalationRecipients, nearestSlaJobs, planSlaJobs, slaEventKey, type EscalationAgent, type SlaCaseState } from "../../sla/sla-status.ts";
import { type SlaEventKind, type SlaMetric } from "../../kernel/domain-types.ts";

/** The case fields the SLA rules read; one shape for scheduling, firing and the `mailcase sla` report. */
export const slaCaseSelect = {
  id: true,
  status: true,
  createdAt: true,
  firstRespondedAt: true,
  firstResponseDueAt: true,
  nextResponseDueAt: true,
  resolutionDueAt: true,
  slaContract: { select: { calendar: true, warningShare: true } },
  slaPauses: { select: { startedAt: true, endedAt: true } },
} as const satisfies Prisma.CaseSelect;
export type SlaCaseRow = Prisma.CaseGetPayload<{ select: typeof slaCaseSelect }>;

/** Used for a case with due times but no contract any more (the contract was removed from the configuration). */
const DEFAULT_WARNING_SHARE = 0.8;

export interface LoadedSlaState {
  state: SlaCaseState;
  calendar: BusinessCalendar;
  pauses: Interval[];
  warningShare: number;
}

/** Turns a loaded case into the pure rules' input; queries the awaiting customer post only when it matters. */
export async function slaStateOf(db: DbOrTx, c: SlaCaseRow, pausedStatuses: readonly string[]): Promise<LoadedSlaState> {
  const pauses: Interval[] = c.slaPauses.map((p) => ({ start: p.startedAt, end: p.endedAt }));
  const awaitingSince = c.nextResponseDueAt === null ? null : await awaitingCustomerPostSince(db, c.id, c.firstRespondedAt);
  return {
    state: {
      status: c.status,
      openedAt: c.createdAt,
      firstRespondedAt: c.firstRespondedAt,
      firstResponseDueAt: c.firstResponseDueAt,
      nextResponseDueAt: c.nextResponseDueAt,
      resolutionDueAt: c.resolutionDueAt,
      awaitingSince,
      paused: pauses.some((p) => p.end === null) || pausedStatuses.includes(c.status),
    },
    calendar: calendarOf(c.slaContract?.calendar ?? null),
    pauses,
    warningShare: c.slaContract?.warningShare ?? DEFAULT_WARNING_SHARE,
  };
}

/**
 * Adds the delayed job for each case's nearest warning or breach instant. Call it after the commit of
 * anything that may move a due time or meet a target (a new case, a customer or agent post, a priority,
 * severity, status or level change); calling it too often costs a query, never a duplicate. Returns the
 * number of jobs handed to the queue (most are no-ops when already there).
 */
export async function scheduleSla(deps: Deps, caseIds: readonly number[], known: readonly unknown[] = []): Promise<number> {
  const ids = [...new Set(caseIds)];
  if (ids.length === 0) return 0;
  // Every writer calls this after a change: the case's other time-driven jobs (follow-ups, nudges, the
  // resolution mail) are derived from the same commits, from the same one-statement load (schedule-load.ts),
  // skipped for the cases whose rows the writer already has (`known`: a new case's, returned by its statement).
  const given = known.map(scheduleRowOf).filter((r) => ids.includes(r.sla.id));
  const missing = ids.filter((id) => !given.some((r) => r.sla.id === id));
  const [loaded, config] = await Promise.all([loadScheduleRows(deps.db, missing), deps.config.get()]);
  const rows = [...given, ...loaded];
  await enqueueAutomationOf(deps, rows, config.settings.automation);
  const jobs = await nearestSlaJobsOf(deps.db, rows, config.settings.slaPausedStatuses);
  await enqueueSla(deps.queues.sla, jobs, deps.clock.now().getTime());
  return jobs.length;
}

/** Per loaded case, the job(s) to add now: the nearest of its plan (sla-status.ts nearestSlaJobs). */
async function nearestSlaJobsOf(db: DbOrTx, rows: readonly ScheduleRow[], paused: readonly string[]): Promise<SlaPayload[]> {
  const jobs: SlaPayload[] = [];
  for (const { sla: c, slaEvents } of rows) {
    if (c.firstResponseDueAt === null && c.nextResponseDueAt === null && c.resolutionDueAt === null) continue;
    const loaded = await slaStateOf(db, c, paused);
    const recorded = new Set(slaEvents.map((e) => slaEventKey(e.metric, e.kind, e.dueAt)));
    for (const j of nearestSlaJobs(planSlaJobs(loaded.state, { ...loaded, recorded }))) {
      jobs.push({ v: 1, caseId: c.id, metric: j.metric, kind: j.kind, dueAt: j.dueAt.getTime(), at: j.at.getTime() });
    }
  }
  return jobs;
}

/**
 * After an SLA job of the case has run: adds the case's next nearest job. Only the SLA watch: recording a
 * warning or breach changes nothing the automation plan reads (status, owner, reminders), so its jobs are not
 * re-added here. Returns the instant of the running job itself when the plan names it again (see below).
 */
async function scheduleNextSla(deps: Deps, running: SlaPayload): Promise<Date | null> {
  const [rows, config] = await Promise.all([loadScheduleRows(deps.db, [running.caseId]), deps.config.get()]);
  const jobs = await nearestSlaJobsOf(deps.db, rows, config.settings.slaPausedStatuses);
  // The running job still exists in Redis (active) until it returns, so an add of its own id would be a silent
  // no-op and the job would then be removed: if the plan names it again (it was skipped, and a change since
  // undid the reason, e.g. a pause ended with the same due time), it must go back to delayed itself.
  const self = slaJobId(running);
  const again = jobs.find((j) => slaJobId(j) === self);
  await enqueueSla(deps.queues.sla, jobs.filter((j) => j !== again), deps.clock.now().getTime());
  return again === undefined ? null : new Date(again.at);
}

/** How many open cases one sweep re-schedules: a bounded slice, so a big backlog costs every sweep the same. */
export const SLA_SWEEP_SLICE = 200;

/**
 * The sweeper's safety net for lost jobs (a Redis restart drops every delayed job): re-schedules the next
 * slice of open cases with a due time, after `afterId`, walking all of them over successive sweeps. A due
 * instant that passed while the job was lost fires at once (late, but detected). Returns where to go on.
 */
export async function rescheduleOpenSla(deps: Deps, afterId: number, slice = SLA_SWEEP_SLICE): Promise<{ cases: number; jobs: number; nextAfterId: number }> {
  const rows = await deps.db.case.findMany({
    where: {
      id: { gt: afterId },
      status: { notIn: ["RESOLVED", "CLOSED"] },
      OR: [{ firstResponseDueAt: { not: null }, firstRespondedAt: null }, { nextResponseDueAt: { not: null } }, { resolutionDueAt: { not: null } }],
    },
    orderBy: { id: "asc" },
    take: slice,
    select: { id: true },
  });
  const jobs = await scheduleSla(deps, rows.map((r) => r.id));
  // A short slice means the walk reached the end: start over from the first case next time.
  return { cases: rows.length, jobs, nextAfterId: rows.length < slice ? 0 : rows[rows.length - 1]!.id };
}

export type SlaCheckOutcome =
  | { kind: "missing" }
  | { kind: "skipped"; reason: "stale" | "met" | "paused" }
  /** Not to run now: before its instant, or planned again as itself (scheduleNextSla); back to delayed until then. */
  | { kind: "early"; until: Date }
  | { kind: "already-recorded" }
  | { kind: "recorded"; event: SlaEventKind; mails: number };

const METRIC_SHORT: Record<SlaMetric, string> = { FIRST_RESPONSE: "fr", NEXT_RESPONSE: "nr", RESOLUTION: "res" };

/** Runs one fired SLA job: see the module comment. */
export async function processSlaCheck(deps: Deps, p: SlaPayload): Promise<SlaCheckOutcome> {
  const job = { metric: p.metric, kind: p.kind, dueAt: new Date(p.dueAt), at: new Date(p.at) };
  const result = await deps.db.$transaction(
    async (tx): Promise<{ outcome: SlaCheckOutcome; send: number[] }> => {
      // Row lock: a change committing between our read and our insert (a new priority, an answer) would
      // otherwise let this job speak for a due time the case no longer has. changeCase updates the row, so
      // it waits for us or we wait for it.
      const locked = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM "Case" WHERE id = ${p.caseId} FOR UPDATE`;
      if (locked.length === 0) return { outcome: { kind: "missing" }, send: [] };
      const now = deps.clock.now();
      const c = await tx.case.findUniqueOrThrow({
        where: { id: p.caseId },
        select: {
          ...slaCaseSelect,
          number: true,
          subject: true,
          priority: true,
          severity: true,
          owner: true,
          team: { select: { name: true, leadAgentId: true } },
          teamId: true,
          ownerId: true,
          contacts: { include: { contact: true } },
          area: { select: { id: true, restricted: true } },
          group: { select: { name: true } },
          mailbox: true,
          slaContract: { select: { calendar: true, warningShare: true, escalateTo: true, name: true } },
          inbound: { where: { status: "PROCESSED" }, orderBy: { id: "asc" }, take: 1, select: { messageId: true } },
        },
      });
      const settings = await tx.settings.findUniqueOrThrow({ where: { id: 1 } });
      const loaded = await slaStateOf(tx, c, settings.slaPausedStatuses);
      const decision = decideSlaJob(loaded.state, job, now);
      if (decision.act === "skip") return { outcome: { kind: "skipped", reason: decision.reason }, send: [] };
      if (decision.act === "wait") return { outcome: { kind: "early", until: decision.until }, send: [] };

      const inserted = await tx.slaEvent.createMany({
        data: [{ caseId: c.id, metric: p.metric, kind: p.kind, dueAt: job.dueAt, createdAt: now }],
        skipDuplicates: true,
      });
      if (inserted.count === 0) return { outcome: { kind: "already-recorded" }, send: [] };

      const agentRows = await tx.agent.findMany();
      const agents: EscalationAgent[] = agentRows.map((a) => ({ id: a.id, name: a.name, email: a.email, aliases: a.aliases, locale: a.locale, active: a.active }));
      const byId = (id: number | null | undefined) => (id == null ? null : (agents.find((a) => a.id === id) ?? null));
      // A warning that only runs once the target is already due (its job was lost and re-added late, or the
      // share is 1) is recorded but not mailed: the breach mail of the same instant says it all.
      const superseded = p.kind === "WARNING" && now.getTime() >= job.dueAt.getTime();
      // The team lead hears of it only if they may see the case (a directory they lack access to stays closed).
      const grants = await tx.directoryAccess.findMany({ select: { directoryId: true, agentId: true, teamId: true } });
      const leadRow = c.team?.leadAgentId == null ? null : await tx.agent.findUnique({ where: { id: c.team.leadAgentId }, include: { teams: true } });
      const leadTeams = leadRow?.teams.map((t) => t.teamId) ?? [];
      const leadMaySee =
        leadRow !== null && canSeeCase(await agentViewerFor(tx, leadRow.id, leadTeams, grants), caseAccessOf(c));
      // An agent who switched SLA warnings off (agents[].notify.slaWarning) is not mailed one; breaches always go out.
      const preferencesOf = new Map(agentRows.map((a) => [a.id, a.preferences]));
      const recipients = (
        superseded
          ? []
          : escalationRecipients(p.kind, { owner: byId(c.owner?.id), teamLead: leadMaySee ? byId(leadRow?.id) : null, escalateTo: c.slaContract?.escalateTo ?? [], agents })
      ).filter((r) => p.kind !== "WARNING" || r.to !== "agent" || wantsEmail(preferencesOf.get(r.agent.id), "sla-warning"));

      const mailbox = c.mailbox ?? (await tx.mailbox.findFirstOrThrow({ orderBy: { id: "asc" } }));
      const zone = loaded.calendar.timeZone;
      const fmt = (d: Date) => `${DateTime.fromJSDate(d, { zone }).toFormat("yyyy-MM-dd HH:mm")} ${zone}`;
      const baseView = {
        tag: caseTag(settings.caseTagPrefix, caseNo(c.number)),
        caseRef: formatCaseNumber(settings.caseNumberFormat, { prefix: settings.caseTagPrefix, number: caseNo(c.number), createdAt: c.createdAt }),
        subject: c.subject,
        supportName: mailbox.displayName,
        breached: p.kind === "BREACH",
        firstResponse: p.metric === "FIRST_RESPONSE",
        nextResponse: p.metric === "NEXT_RESPONSE",
        resolution: p.metric === "RESOLUTION",
        dueAt: fmt(job.dueAt),
        ownerName: c.owner?.name ?? "(unassigned)",
        teamName: c.team?.name ?? "(none)",
        groupName: c.group?.name ?? "(none)",
        contractName: c.slaContract?.name ?? "(none)",
        priority: c.priority,
        severity: c.severity ?? "-",
      };
      const threadIds = c.inbound.map((m) => m.messageId);
      const eventPart = `${METRIC_SHORT[p.metric]}-${p.kind === "WARNING" ? "w" : "b"}-${p.dueAt}`;
      const drafts: OutboundDraft[] = recipients.map((r) => {
        const address = r.to === "agent" ? r.agent.email : r.address;
        // An address is not a valid Message-ID part ("@"); a short hash keeps the key deterministic.
        const who = r.to === "agent" ? `a${r.agent.id}` : `x${createHash("sha256").update(address).digest("hex").slice(0, 12)}`;
        const rendered = deps.templates.render(r.to === "agent" ? r.agent.locale : "en", "sla-escalation", {
          ...baseView,
          recipientName: r.to === "agent" ? r.agent.name : address,
          forAgent: r.to === "agent",
        });
        return {
          // A notice caused by an event, answering no message: compose marks it Auto-Submitted: auto-generated.
          kind: "NOTICE",
          caseId: c.id,
          postId: null,
          recipientKey: `sla-${eventPart}-${who}`,
          to: { address, agentId: r.to === "agent" ? r.agent.id : null },
          from: { address: mailbox.address, name: mailbox.displayName },
          // Agents answer into the case as an internal note (signed address, like every agent notification).
          // Other recipients get no reply address of ours: their answer is not part of the case's stream.
          replyTo: r.to === "agent" ? replyAddress(mailbox.address, signReplyToken(deps.secret, { caseId: c.id, agentId: r.agent.id, visibility: "internal" })) : null,
          // The tag is in the template's subject already (like new-case mail), so it is used as rendered.
          rendered,
          threadIds,
          parentId: null,
          // A reply to an escalation is threaded by the agent's signed address, and a reply from an outside
          // recipient must not be filed on the case as if a customer had written it.
          threadReplies: false,
        };
      });
      const { pending } = await writeOutbound(tx, drafts);
      await recordEvents(
        tx,
        c.id,
        [
          {
            type: p.kind === "BREACH" ? "sla.breached" : "sla.warning",
            data: {
              metric: p.metric,
              dueAt: job.dueAt.toISOString(),
              at: now.toISOString(),
              ...(superseded ? { superseded: true } : {}),
              recipients: recipients.map((r) => `${r.reason}:${r.to === "agent" ? r.agent.email : r.address}`),
            },
          },
        ],
        now,
      );
      return { outcome: { kind: "recorded", event: p.kind, mails: drafts.length }, send: pending.map((r) => r.id) };
    },
    { timeout: 30_000 },
  );
  await enqueueSend(deps.queues.send, result.send);
  // Only the nearest job of a case is in the queue: whatever this one decided, the next must be added now
  // (after the commit, so the plan sees this job's event). Not when early (the job re-delays itself and plans
  // when it runs again) or missing. A crash before this line re-runs the job (it stays active, then stalled),
  // which records nothing twice and plans again; a lost job is re-planned by the sweeper.
  if (result.outcome.kind === "early" || result.outcome.kind === "missing") return result.outcome;
  const again = await scheduleNextSla(deps, p);
  return again === null ? result.outcome : { kind: "early", until: again };
}

/**
 * Derives a case's automation jobs from the database: the follow-up steps while it waits on the customer,
 * the nudge of its owner, the resolution mail after it was resolved or closed. Called after every commit that
 * may change them (through `scheduleSla`, which every writer already calls after a change) and by the
 * sweeper, which walks the open cases slice by slice so jobs lost with Redis come back. Job ids are
 * deterministic and the steps already taken are skipped, so calling it again adds nothing.
 */
import type { DbOrTx } from "../../db/client.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { Deps } from "../../kernel/deps.ts";
import { readAutomation, readFollowUp, type FollowUp } from "../../config/automation-config.ts";
import { calendarOf } from "../../sla/sla.service.ts";
import { nudgeDue, planFollowUps } from "./automation-plan.ts";
import { enqueueAutomation, type AutomationPayload } from "./automation.job.ts";
import { loadScheduleRows, type ScheduleRow } from "./schedule-load.ts";

/** The case fields the automation rules read. */
export const automationCaseSelect = {
  id: true,
  status: true,
  ownerId: true,
  createdAt: true,
  resolvedAt: true,
  closedAt: true,
  mergedIntoId: true,
  group: { select: { key: true, followUp: true } },
  slaContract: { select: { key: true, followUp: true, calendar: true } },
} as const satisfies Prisma.CaseSelect;
export type AutomationCaseRow = Prisma.CaseGetPayload<{ select: typeof automationCaseSelect }>;

/** The cadence that applies: the customer group's, else the SLA contract's, else none. */
export function cadenceOf(c: AutomationCaseRow): FollowUp | null {
  return readFollowUp(c.group?.followUp, `customerGroups[${c.group?.key}]`) ?? readFollowUp(c.slaContract?.followUp, `slaContracts[${c.slaContract?.key}]`);
}

/** When the case last entered WAITING_ON_CUSTOMER, from its audit trail (the status change's own event). */
export async function waitingSince(db: DbOrTx, caseId: number): Promise<Date | null> {
  const e = await db.caseEvent.findFirst({
    where: { caseId, type: "case.changed", AND: [{ data: { path: ["field"], equals: "status" } }, { data: { path: ["to"], equals: "WAITING_ON_CUSTOMER" } }] },
    orderBy: { id: "desc" },
    select: { createdAt: true },
  });
  return e?.createdAt ?? null;
}

/** The last thing an agent did on the case (a post or any recorded change by an agent), else its opening. */
export async function lastAgentActionAt(db: DbOrTx, c: { id: number; createdAt: Date }): Promise<Date> {
  const [post, event] = await Promise.all([
    db.post.findFirst({ where: { caseId: c.id, authorAgentId: { not: null } }, orderBy: { createdAt: "desc" }, select: { createdAt: true } }),
    db.caseEvent.findFirst({ where: { caseId: c.id, data: { path: ["by"], string_starts_with: "agent:" } }, orderBy: { id: "desc" }, select: { createdAt: true } }),
  ]);
  return new Date(Math.max(c.createdAt.getTime(), post?.createdAt.getTime() ?? 0, event?.createdAt.getTime() ?? 0));
}

/** The instant of the resolution to mail about: resolvedAt of a RESOLVED case, closedAt of a CLOSED one. */
export const doneAtOf = (c: Pick<AutomationCaseRow, "status" | "resolvedAt" | "closedAt">): Date | null =>
  c.status === "RESOLVED" ? c.resolvedAt : c.status === "CLOSED" ? c.closedAt : null;

/** Plans the jobs a case should have now (pure rules, state loaded here). */
export async function automationJobsFor(
  db: DbOrTx,
  c: AutomationCaseRow,
  settingsAutomation: unknown,
  /** The case's reminders, when the caller loaded them already (schedule-load.ts). */
  reminders?: ReadonlyArray<{ kind: string; anchorAt: Date; step: number }>,
): Promise<AutomationPayload[]> {
  const automation = readAutomation(settingsAutomation);
  const cal = calendarOf(c.slaContract?.calendar ?? null);
  const jobs: AutomationPayload[] = [];
  const recorded = reminders ?? (await db.caseReminder.findMany({ where: { caseId: c.id }, select: { kind: true, anchorAt: true, step: true } }));
  const has = (kind: string, anchor: Date, step = 0) => recorded.some((r) => r.kind === kind && r.anchorAt.getTime() === anchor.getTime() && r.step === step);
  if (c.status === "WAITING_ON_CUSTOMER") {
    const since = await waitingSince(db, c.id);
    const cadence = cadenceOf(c);
    const done = new Set(since === null ? [] : recorded.filter((r) => r.kind === "follow-up" && r.anchorAt.getTime() === since.getTime()).map((r) => r.step));
    for (const s of planFollowUps({ status: c.status, waitingSince: since }, cadence, cal, done))
      jobs.push({ v: 1, kind: "follow-up", caseId: c.id, anchorAt: since!.getTime(), step: s.step, at: s.at.getTime() });
  }
  if (automation.nudgeOwnerAfter !== undefined && c.ownerId !== null && (c.status === "NEW" || c.status === "ASSIGNED" || c.status === "IN_PROGRESS")) {
    const last = await lastAgentActionAt(db, c);
    const due = nudgeDue({ status: c.status, ownerId: c.ownerId, lastAgentActionAt: last }, automation.nudgeOwnerAfter, cal);
    if (due !== null && !has("nudge", last)) jobs.push({ v: 1, kind: "nudge", caseId: c.id, anchorAt: last.getTime(), at: due.getTime() });
  }
  const doneAt = doneAtOf(c);
  if (automation.resolutionMail && doneAt !== null && c.mergedIntoId === null && !has("resolution", doneAt)) {
    jobs.push({ v: 1, kind: "resolution", caseId: c.id, doneAt: doneAt.getTime(), at: doneAt.getTime() });
  }
  return jobs;
}

/** Adds the automation jobs of the cases; returns how many were handed to the queue (most are no-ops when already there). */
export async function scheduleAutomation(deps: Deps, caseIds: readonly number[]): Promise<number> {
  const ids = [...new Set(caseIds)];
  if (ids.length === 0) return 0;
  // Settings.automation is configuration: from memory (config/config-cache.ts), not read per change.
  const [rows, config] = await Promise.all([loadScheduleRows(deps.db, ids), deps.config.get()]);
  return enqueueAutomationOf(deps, rows, config.settings.automation);
}

/** Plans and adds the automation jobs of loaded cases (scheduleSla shares the one load). */
export async function enqueueAutomationOf(deps: Deps, rows: readonly ScheduleRow[], settingsAutomation: unknown): Promise<number> {
  const jobs: AutomationPayload[] = [];
  for (const r of rows) jobs.push(...(await automationJobsFor(deps.db, r.automation, settingsAutomation, r.reminders)));
  await enqueueAutomation(deps.queues.automation, jobs, deps.clock.now().getTime());
  return jobs.length;
}

/** How many cases one sweep re-derives: a bounded slice, like the SLA pass. */
export const AUTOMATION_SWEEP_SLICE = 200;
/** Resolution mails lost with Redis are re-derived for this long after the resolution; older ones are let go. */
export const RESOLUTION_MAIL_HORIZON_MS = 24 * 3600_000;

/**
 * The sweeper's safety net: re-derives the jobs of the next slice of cases that may have some (waiting on the
 * customer, owned and open, or resolved or closed within the horizon), after `afterId`. Returns where to go on.
 */
export async function rescheduleOpenAutomation(deps: Deps, afterId: number, slice = AUTOMATION_SWEEP_SLICE): Promise<{ cases: number; jobs: number; nextAfterId: number }> {
  const since = new Date(deps.clock.now().getTime() - RESOLUTION_MAIL_HORIZON_MS);
  const rows = await deps.db.case.findMany({
    where: {
      id: { gt: afterId },
      OR: [
        { status: "WAITING_ON_CUSTOMER" },
        { status: { in: ["NEW", "ASSIGNED", "IN_PROGRESS"] }, ownerId: { not: null } },
        { status: "RESOLVED", resolvedAt: { gte: since } },
        { status: "CLOSED", closedAt: { gte: since } },
      ],
    },
    orderBy: { id: "asc" },
    take: slice,
    select: { id: true },
  });
  const jobs = await scheduleAutomation(deps, rows.map((r) => r.id));
  return { cases: rows.length, jobs, nextAfterId: rows.length < slice ? 0 : rows[rows.length - 1]!.id };
}

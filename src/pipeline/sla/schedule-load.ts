/**
 * What scheduling a case's timers reads, in ONE statement (its columns: case/schedule-columns.ts): the case's
 * SLA fields with its contract's calendar, its pauses and recorded SLA events (sla-watch.service.ts), and its
 * group's and contract's follow-up cadence with the reminders already sent (automation-schedule.ts). Prisma's
 * selects with relations cost a statement per relation (nine per case before); every writer schedules after each
 * change, so this is on the hot path.
 *
 * Instants travel as epoch milliseconds (the columns are UTC timestamps without a zone) and the row is checked
 * with zod: raw SQL is a boundary.
 */
import { z } from "zod";
import { SCHEDULE_COLUMNS, SCHEDULE_JOINS } from "../../case/schedule-columns.ts";
import type { DbOrTx } from "../../db/client.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { AutomationCaseRow } from "./automation-schedule.ts";
import type { SlaCaseRow } from "./sla-watch.service.ts";

const Ms = z.number();
const MaybeMs = z.number().nullable();
const JsonValue = z.custom<Prisma.JsonValue>(() => true);
const CASE_STATUSES = ["NEW", "ASSIGNED", "IN_PROGRESS", "WAITING_ON_CUSTOMER", "RESOLVED", "CLOSED"] as const;

const Row = z.object({
  id: z.number().int(),
  status: z.enum(CASE_STATUSES),
  ownerId: z.number().int().nullable(),
  mergedIntoId: z.number().int().nullable(),
  createdAt: Ms,
  resolvedAt: MaybeMs,
  closedAt: MaybeMs,
  firstRespondedAt: MaybeMs,
  firstResponseDueAt: MaybeMs,
  nextResponseDueAt: MaybeMs,
  resolutionDueAt: MaybeMs,
  groupKey: z.string().nullable(),
  groupFollowUp: JsonValue,
  contractKey: z.string().nullable(),
  contractFollowUp: JsonValue,
  contractCalendar: JsonValue,
  contractWarningShare: z.number().nullable(),
  pauses: z.array(z.object({ startedAt: Ms, endedAt: MaybeMs })),
  slaEvents: z.array(z.object({ metric: z.enum(["FIRST_RESPONSE", "NEXT_RESPONSE", "RESOLUTION"]), kind: z.enum(["WARNING", "BREACH"]), dueAt: Ms })),
  reminders: z.array(z.object({ kind: z.string(), anchorAt: Ms, step: z.number().int() })),
});

export interface ScheduleRow {
  sla: SlaCaseRow;
  slaEvents: Array<{ metric: "FIRST_RESPONSE" | "NEXT_RESPONSE" | "RESOLUTION"; kind: "WARNING" | "BREACH"; dueAt: Date }>;
  automation: AutomationCaseRow;
  reminders: Array<{ kind: string; anchorAt: Date; step: number }>;
}

const date = (ms: number) => new Date(ms);
const maybeDate = (ms: number | null) => (ms === null ? null : new Date(ms));

const SQL = `SELECT c.id, ${SCHEDULE_COLUMNS}
FROM "Case" c
${SCHEDULE_JOINS}
WHERE c.id = ANY($1::int[])
ORDER BY c.id`;

/** The cases' scheduling state (missing ids are left out). */
export async function loadScheduleRows(db: DbOrTx, caseIds: readonly number[]): Promise<ScheduleRow[]> {
  if (caseIds.length === 0) return [];
  const raw = await db.$queryRawUnsafe<unknown[]>(SQL, [...caseIds]);
  return raw.map(scheduleRowOf);
}

/**
 * One case's scheduling state from a row with the columns of SCHEDULE_COLUMNS (and the case's `id`): this
 * module's load, or the statement that opened the case (case/open-case.ts `OpenedCase.schedule`).
 */
export function scheduleRowOf(value: unknown): ScheduleRow {
  const r = Row.parse(value);
  const status = r.status;
  const hasContract = r.contractKey !== null;
  return {
    sla: {
      id: r.id,
      status,
      createdAt: date(r.createdAt),
      firstRespondedAt: maybeDate(r.firstRespondedAt),
      firstResponseDueAt: maybeDate(r.firstResponseDueAt),
      nextResponseDueAt: maybeDate(r.nextResponseDueAt),
      resolutionDueAt: maybeDate(r.resolutionDueAt),
      slaContract: hasContract ? { calendar: r.contractCalendar, warningShare: r.contractWarningShare ?? 0.8 } : null,
      slaPauses: r.pauses.map((p) => ({ startedAt: date(p.startedAt), endedAt: maybeDate(p.endedAt) })),
    },
    slaEvents: r.slaEvents.map((e) => ({ metric: e.metric, kind: e.kind, dueAt: date(e.dueAt) })),
    automation: {
      id: r.id,
      status,
      ownerId: r.ownerId,
      createdAt: date(r.createdAt),
      resolvedAt: maybeDate(r.resolvedAt),
      closedAt: maybeDate(r.closedAt),
      mergedIntoId: r.mergedIntoId,
      group: r.groupKey === null ? null : { key: r.groupKey, followUp: r.groupFollowUp },
      slaContract: hasContract ? { key: r.contractKey!, followUp: r.contractFollowUp, calendar: r.contractCalendar } : null,
    },
    reminders: r.reminders.map((x) => ({ kind: x.kind, anchorAt: date(x.anchorAt), step: x.step })),
  };
}

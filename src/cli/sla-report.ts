/**
 * Read model for `mailcase sla`: open cases whose targets are at risk (warning instant passed, not yet due)
 * or breached (due passed, not met), classified by the same pure rule the delayed jobs use (sla-status.ts).
 */
import type { Db } from "../db/client.ts";
import { classifySla, clockStartOf, dueAtOf, warningInstant, type SlaStandingKind } from "../sla/sla-status.ts";
import { slaCaseSelect, slaStateOf } from "../pipeline/sla/sla-watch.service.ts";
import { SLA_METRICS, type SlaMetric } from "../kernel/domain-types.ts";
import { caseNo } from "../case/case-number.ts";

export interface SlaReportRow {
  number: number;
  caseRef: string;
  subject: string;
  status: string;
  owner: string | null;
  metric: SlaMetric;
  standing: Exclude<SlaStandingKind, "ok">;
  dueAt: string;
  warnAt: string | null;
  /** Whole minutes past due (negative: minutes left). */
  lateMinutes: number;
}

/** Cases examined at most: the report is for people, and a backlog beyond this is its own finding. */
const MAX_CASES = 5_000;

export async function slaReport(db: Db, now: Date): Promise<SlaReportRow[]> {
  const settings = await db.settings.findUnique({ where: { id: 1 } });
  const prefix = settings?.caseTagPrefix ?? "MC";
  const paused = settings?.slaPausedStatuses ?? ["WAITING_ON_CUSTOMER"];
  const cases = await db.case.findMany({
    where: {
      status: { notIn: ["RESOLVED", "CLOSED"] },
      OR: [{ firstResponseDueAt: { not: null }, firstRespondedAt: null }, { nextResponseDueAt: { not: null } }, { resolutionDueAt: { not: null } }],
    },
    orderBy: { id: "asc" },
    take: MAX_CASES,
    select: { ...slaCaseSelect, number: true, subject: true, owner: { select: { key: true } } },
  });
  const rows: SlaReportRow[] = [];
  for (const c of cases) {
    const loaded = await slaStateOf(db, c, paused);
    const warn: Partial<Record<SlaMetric, Date | null>> = {};
    for (const metric of SLA_METRICS) {
      const due = dueAtOf(loaded.state, metric);
      if (due !== null) warn[metric] = warningInstant(clockStartOf(loaded.state, metric), due, loaded.warningShare, loaded.calendar, loaded.pauses);
    }
    for (const s of classifySla(loaded.state, warn, now)) {
      if (s.standing === "ok") continue;
      rows.push({
        number: caseNo(c.number),
        caseRef: `${prefix}-${c.number}`,
        subject: c.subject,
        status: c.status,
        owner: c.owner?.key ?? null,
        metric: s.metric,
        standing: s.standing,
        dueAt: s.dueAt.toISOString(),
        warnAt: s.warnAt?.toISOString() ?? null,
        lateMinutes: Math.floor(s.lateMs / 60_000),
      });
    }
  }
  // Breached first, the longest overdue on top; then at risk, the soonest due on top.
  return rows.sort((a, b) =>
    a.standing !== b.standing ? (a.standing === "breached" ? -1 : 1) : a.standing === "breached" ? b.lateMinutes - a.lateMinutes : a.dueAt.localeCompare(b.dueAt),
  );
}

/** "2 d 3 h", "45 min": how late (or how much is left), for people. */
export function formatMinutes(minutes: number): string {
  const m = Math.abs(minutes);
  if (m < 60) return `${m} min`;
  if (m < 1440) return `${Math.floor(m / 60)} h ${m % 60} min`;
  return `${Math.floor(m / 1440)} d ${Math.floor((m % 1440) / 60)} h`;
}

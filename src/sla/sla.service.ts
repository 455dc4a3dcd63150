/**
 * Loads a case's SLA inputs (contract targets by severity or priority, business calendar, pauses, the
 * customer post awaiting an answer), decides the due times with the pure clock (sla-clock.ts) and writes
 * them, inside the caller's transaction. Used when a case opens and whenever priority, severity, status or
 * the contract changes; elapsed and paused time are kept, never restarted.
 */
import type { CasePriority } from "../kernel/domain-types.ts";
import type { DbOrTx } from "../db/client.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { recordEvents } from "../case/case-events.ts";
import { ALWAYS_OPEN, type BusinessCalendar, type Interval } from "./calendar.ts";
import { BusinessCalendarSchema } from "./calendar-schema.ts";
import { recomputeAfterChange, type SlaTargets } from "./sla-clock.ts";
import { pickTarget } from "./sla-due.ts";

type Tx = Prisma.TransactionClient;

export interface ContractTargets {
  targets: Array<{ priority: CasePriority; firstResponseMinutes: number; nextResponseMinutes: number | null; resolutionMinutes: number }>;
  severityTargets: Array<{ severity: string; firstResponseMinutes: number; nextResponseMinutes: number | null; resolutionMinutes: number }>;
}

/** The contract's targets for a case: an assessed severity with its own target wins over the priority. Pure. */
export function slaTargetsFor(contract: ContractTargets, priority: CasePriority, severity: string | null): { targets: SlaTargets; source: string } | null {
  const bySeverity = severity ? contract.severityTargets.find((t) => t.severity === severity) : undefined;
  if (bySeverity) return { targets: bySeverity, source: `severity ${severity}` };
  const byPriority = pickTarget(contract.targets, priority);
  if (!byPriority) return null;
  const full = contract.targets.find((t) => t.priority === byPriority.priority)!;
  return { targets: full, source: `priority ${byPriority.priority}` };
}

/** A stored calendar, validated; a contract without one runs around the clock. */
export function calendarOf(json: Prisma.JsonValue | null): BusinessCalendar {
  if (json === null) return ALWAYS_OPEN;
  return BusinessCalendarSchema.parse(json);
}

/**
 * When the oldest customer post still awaiting an answer arrived: the start of the next-response clock.
 * It runs from the oldest customer post after the last public agent post, and only once the first response
 * was given (before that the first-response target covers it). Null: nobody is waiting.
 */
export async function awaitingCustomerPostSince(tx: DbOrTx, caseId: number, firstRespondedAt: Date | null): Promise<Date | null> {
  if (firstRespondedAt === null) return null;
  const lastAgent = await tx.post.findFirst({ where: { caseId, visibility: "PUBLIC", authorAgentId: { not: null } }, orderBy: { createdAt: "desc" } });
  const since = lastAgent?.createdAt ?? firstRespondedAt;
  const waiting = await tx.post.findFirst({
    where: { caseId, visibility: "PUBLIC", authorContactId: { not: null }, createdAt: { gt: since } },
    orderBy: { createdAt: "asc" },
  });
  return waiting?.createdAt ?? null;
}

/**
 * The due times of a case opened at `now` with no pause, no severity and no answer yet: what recomputeSlaDue
 * would write right after the insert, decided before it so the case row is written once. Pure.
 */
export function openingSlaDue(
  contract: ContractTargets & { calendar: Prisma.JsonValue | null },
  priority: CasePriority,
  now: Date,
): SlaDueWrite | null {
  const picked = slaTargetsFor(contract, priority, null);
  if (!picked) return null;
  const r = recomputeAfterChange({ openedAt: now, targets: picked.targets, calendar: calendarOf(contract.calendar), pauses: [], lastCustomerPostAt: null, now });
  return { firstResponseDueAt: r.firstResponseDueAt, nextResponseDueAt: r.nextResponseDueAt, resolutionDueAt: r.resolutionDueAt };
}

export interface SlaDueWrite {
  firstResponseDueAt: Date | null;
  nextResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
}

type SlaCase = Prisma.CaseGetPayload<{ include: { slaPauses: true } }> & { slaContract: (ContractTargets & { calendar: Prisma.JsonValue | null }) | null };

/** The case with its pauses, and its contract from `contracts` when known there (else read with it). */
async function loadSlaCase(tx: Tx, caseId: number, contracts?: ReadonlyMap<number, ContractTargets & { calendar: Prisma.JsonValue | null }>): Promise<SlaCase> {
  if (contracts) {
    const c = await tx.case.findUniqueOrThrow({ where: { id: caseId }, include: { slaPauses: true } });
    const known = c.slaContractId === null ? null : contracts.get(c.slaContractId);
    if (c.slaContractId === null || known) return { ...c, slaContract: known ?? null };
  }
  return tx.case.findUniqueOrThrow({
    where: { id: caseId },
    include: { slaContract: { include: { targets: true, severityTargets: true } }, slaPauses: true },
  }) as Promise<SlaCase>;
}

/**
 * Recomputes and stores the case's due times at `now`. `by` names who caused it for the audit entry; null
 * (the case is being opened) writes no entry. Returns the due times written, or null without a contract.
 * `previousCalendar`: the calendar time up to `now` ran on, when the level (contract) just changed.
 */
export async function recomputeSlaDue(
  tx: Tx,
  caseId: number,
  now: Date,
  by: string | null,
  /**
   * `contracts`: the caller's in-memory contracts (config/config-cache.ts), so the contract and its targets are
   * not read per message; a contract the snapshot does not know is read with the case.
   */
  opts: { previousCalendar?: BusinessCalendar; contracts?: ReadonlyMap<number, ContractTargets & { calendar: Prisma.JsonValue | null }> } = {},
): Promise<SlaDueWrite | null> {
  const c = await loadSlaCase(tx, caseId, opts.contracts);
  if (!c.slaContract) return null;
  const picked = slaTargetsFor(c.slaContract, c.priority, c.severity);
  if (!picked) return null;
  const calendar = calendarOf(c.slaContract.calendar);
  const pauses: Interval[] = c.slaPauses.map((p) => ({ start: p.startedAt, end: p.endedAt }));
  const awaiting = await awaitingCustomerPostSince(tx, caseId, c.firstRespondedAt);
  const r = recomputeAfterChange({
    openedAt: c.createdAt,
    targets: picked.targets,
    calendar,
    previousCalendar: opts.previousCalendar,
    pauses,
    lastCustomerPostAt: awaiting,
    now,
  });
  const done = c.status === "RESOLVED" || c.status === "CLOSED";
  const write: SlaDueWrite = {
    // A met target keeps the due time it was met against (reports compare the two).
    firstResponseDueAt: c.firstRespondedAt !== null ? c.firstResponseDueAt : r.firstResponseDueAt,
    nextResponseDueAt: done ? null : r.nextResponseDueAt,
    resolutionDueAt: done ? c.resolutionDueAt : r.resolutionDueAt,
  };
  const same = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);
  if (same(write.firstResponseDueAt, c.firstResponseDueAt) && same(write.nextResponseDueAt, c.nextResponseDueAt) && same(write.resolutionDueAt, c.resolutionDueAt)) return write;
  await tx.case.update({ where: { id: caseId }, data: write });
  if (by !== null) {
    await recordEvents(tx, caseId, [
      {
        type: "sla.recomputed",
        data: {
          by,
          target: picked.source,
          elapsedBusinessMinutes: Math.round(r.elapsedBusinessMinutes * 100) / 100,
          paused: r.pausedSince !== null,
          firstResponseDueAt: write.firstResponseDueAt?.toISOString() ?? null,
          nextResponseDueAt: write.nextResponseDueAt?.toISOString() ?? null,
          resolutionDueAt: write.resolutionDueAt?.toISOString() ?? null,
        },
      },
    ]);
  }
  return write;
}

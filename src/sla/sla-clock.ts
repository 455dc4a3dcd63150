/**
 * The SLA clock of one case, pure: due times for first response, next response and resolution on a
 * business calendar with pauses (`recomputeAfterChange`, used when a case opens and after every
 * priority/severity/status/level change) and the warning instant before a due time. All measuring goes
 * through `calendar.ts`, so "business minutes" mean the same thing everywhere (windows in the contract's zone, holidays, pauses cut out).
 *
 * Due times are always derived from the case's history (openedAt, pauses, last customer post), never
 * from a previously stored due time: recomputing is then idempotent, and a change of target keeps the
 * time already spent instead of restarting the clock.
 */
import { ALWAYS_OPEN, addBusinessMinutes, businessMinutesBetween, ClockStoppedError, type BusinessCalendar, type Interval } from "./calendar.ts";

export interface SlaTargets {
  firstResponseMinutes: number;
  /** Business minutes to answer each later customer post; null/absent when the contract has none. */
  nextResponseMinutes?: number | null;
  resolutionMinutes: number;
}

export interface SlaClockInput {
  openedAt: Date;
  targets: SlaTargets;
  /** The contract's calendar; `ALWAYS_OPEN` (24×7 UTC) when absent. */
  calendar?: BusinessCalendar;
  /** Clock stops (the case's SlaPause rows); an open one (end null) means "paused now". */
  pauses?: readonly Interval[];
  /**
   * The customer post that still awaits an agent's answer, if any. The next-response clock runs from it;
   * pass null while the first response is pending (the first-response target covers that) and once an
   * agent has answered.
   */
  lastCustomerPostAt?: Date | null;
}

/**
 * A null due time means there is nothing to be due: no next-response target or no post awaiting an
 * answer, or the clock is stopped by an open pause before the target ran out (it gets a due time again
 * when the pause ends). `pausedSince` tells the last case apart from the others.
 */
export interface SlaDueTimes {
  firstResponseDueAt: Date | null;
  nextResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
  /** Start of the open pause, if the clock is stopped now. */
  pausedSince: Date | null;
}

/** `addBusinessMinutes`, with "stopped by an open pause" as null instead of an exception. */
function dueOrNull(start: Date, minutes: number, cal: BusinessCalendar, pauses: readonly Interval[]): Date | null {
  try {
    return addBusinessMinutes(start, minutes, cal, pauses);
  } catch (err) {
    if (err instanceof ClockStoppedError) return null;
    throw err;
  }
}

function openPauseStart(pauses: readonly Interval[]): Date | null {
  let at: Date | null = null;
  for (const p of pauses) if (p.end === null && (at === null || p.start < at)) at = p.start;
  return at;
}

/**
 * The instant when `share` (0..1, e.g. 0.8) of the business time between `start` and `due` has run, for
 * an "SLA at risk" warning. Measured in business time, so an 80 % warning on a Friday-evening case fires
 * on Monday morning rather than over the weekend.
 */
export function warningAt(start: Date, due: Date, share: number, cal: BusinessCalendar = ALWAYS_OPEN, pauses: readonly Interval[] = []): Date {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`share must be between 0 and 1, got ${share}`);
  const total = businessMinutesBetween(start, due, cal, pauses);
  return addBusinessMinutes(start, total * share, cal, pauses);
}

export interface SlaRecomputeInput extends SlaClockInput {
  /** When the change happens; elapsed time is measured up to here. */
  now: Date;
  /**
   * The calendar in force before the change (a level change can switch contracts). Time up to `now`
   * is measured on it, time after `now` on `calendar`. Defaults to `calendar`.
   */
  previousCalendar?: BusinessCalendar;
}

export interface SlaRecomputed extends SlaDueTimes {
  /** Business minutes the resolution clock has run from openedAt to now (pauses excluded), for the audit entry. */
  elapsedBusinessMinutes: number;
  /** Same for the next-response clock from lastCustomerPostAt; null when that clock is not running. */
  nextResponseElapsedBusinessMinutes: number | null;
}

/**
 * Re-assessment after a target change: time already spent counts against the new target, it is not
 * restarted. A target of T minutes whose clock has run E minutes by `now` is due when T − E more minutes
 * have run after `now`; if E ≥ T it was already due, at the (past) instant the T-th minute ran out.
 * With an unchanged calendar this is exactly `addBusinessMinutes(start, T)`, so recomputing with the
 * old targets reproduces the old due times.
 */
export function recomputeAfterChange(input: SlaRecomputeInput): SlaRecomputed {
  const cal = input.calendar ?? ALWAYS_OPEN;
  const before = input.previousCalendar ?? cal;
  const pauses = input.pauses ?? [];
  const elapsed = (start: Date) => businessMinutesBetween(start, input.now, before, pauses);
  const due = (start: Date, target: number): Date | null => {
    if (input.now <= start) return dueOrNull(start, target, cal, pauses);
    // Compare in whole milliseconds (the calendar's resolution) so float noise cannot turn "exactly
    // used up" into "a sliver left", which would push the due time to the next opening.
    const spentMs = Math.round(elapsed(start) * 60_000);
    const targetMs = Math.round(target * 60_000);
    if (spentMs >= targetMs) return dueOrNull(start, target, before, pauses);
    return dueOrNull(input.now, (targetMs - spentMs) / 60_000, cal, pauses);
  };
  const next = input.targets.nextResponseMinutes;
  const from = input.lastCustomerPostAt ?? null;
  const nextRuns = next != null && from !== null;
  return {
    firstResponseDueAt: due(input.openedAt, input.targets.firstResponseMinutes),
    nextResponseDueAt: nextRuns ? due(from, next) : null,
    resolutionDueAt: due(input.openedAt, input.targets.resolutionMinutes),
    pausedSince: openPauseStart(pauses),
    elapsedBusinessMinutes: elapsed(input.openedAt),
    nextResponseElapsedBusinessMinutes: nextRuns ? elapsed(from) : null,
  };
}

/**
 * Test oracle, not production code: SLA due times computed the direct way, each target counted forward
 * from its start (the opening, or the customer post awaiting an answer) with `addBusinessMinutes`.
 * Production uses `recomputeAfterChange` (src/sla/sla-clock.ts), which splits the time at `now` into
 * elapsed and remaining; with unchanged targets and calendar both must agree, and this version is the
 * simpler one to believe.
 */
import { ALWAYS_OPEN, addBusinessMinutes, ClockStoppedError, type BusinessCalendar, type Interval } from "../../src/sla/calendar.ts";
import type { SlaClockInput, SlaDueTimes } from "../../src/sla/sla-clock.ts";

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
 * Due times measured from the case's opening (first response, resolution) and from the customer post
 * awaiting an answer (next response), each `target` business minutes later excluding the pauses.
 */
export function computeDueTimes(input: SlaClockInput): SlaDueTimes {
  const cal = input.calendar ?? ALWAYS_OPEN;
  const pauses = input.pauses ?? [];
  const next = input.targets.nextResponseMinutes;
  const from = input.lastCustomerPostAt ?? null;
  return {
    firstResponseDueAt: dueOrNull(input.openedAt, input.targets.firstResponseMinutes, cal, pauses),
    nextResponseDueAt: next != null && from !== null ? dueOrNull(from, next, cal, pauses) : null,
    resolutionDueAt: dueOrNull(input.openedAt, input.targets.resolutionMinutes, cal, pauses),
    pausedSince: openPauseStart(pauses),
  };
}

/**
 * What is due, and when, for the time-driven automation of a case. Pure: no clock reads, no I/O.
 *
 * - Follow-ups: while a case waits on the customer, reminder `i` is due at `reminders[i]` after the moment it
 *   started waiting (its anchor), and the final step ("give up": resolve, close, or tell the owner) at
 *   `giveUpAfter`. A customer reply (or any status change) moves the case out of WAITING_ON_CUSTOMER: every job
 *   of that anchor then finds the case released and does nothing. Waiting again starts a new anchor, so a new
 *   cadence.
 * - Nudges: a case that someone should be working on (it has an owner, it is not waiting on the customer nor
 *   done) gets one nudge to its owner when no agent acted on it for `nudgeOwnerAfter` business time since the
 *   last agent action (its anchor). A new agent action is a new anchor.
 *
 * Offsets are business time on the case's SLA calendar (around the clock without a contract): minutes of open
 * time, or working days (the same wall-clock time that many open days later, moved to the next opening when
 * that instant is closed), because "remind after 2 working days" means Tuesday afternoon for a mail that
 * started waiting on Friday afternoon, whatever the opening hours in between.
 */
import { DateTime } from "luxon";
import { addBusinessMinutes, WEEKDAYS, type BusinessCalendar } from "../../sla/calendar.ts";
import type { CaseStatus } from "../../kernel/domain-types.ts";
import type { FollowUp, GiveUpAction, Offset } from "../../config/automation-config.ts";

/** `start` moved forward by a business offset on `cal`. */
export function addOffset(start: Date, offset: Offset, cal: BusinessCalendar): Date {
  return offset.unit === "minutes" ? addBusinessMinutes(start, offset.n, cal) : addWorkingDays(start, offset.n, cal);
}

/**
 * `n` working days after `start`: the same local wall-clock time on the n-th later local date that is open
 * (has a window, is no holiday), or the next opening when that instant is closed.
 */
export function addWorkingDays(start: Date, n: number, cal: BusinessCalendar): Date {
  const local = DateTime.fromJSDate(start, { zone: cal.timeZone });
  let day = local.startOf("day");
  for (let counted = 0, guard = 0; counted < n; guard++) {
    if (guard > 3 * 366) throw new Error(`business calendar (${cal.timeZone}) has no working day within three years of ${start.toISOString()}`);
    day = day.plus({ days: 1 });
    if (isWorkingDay(day, cal)) counted++;
  }
  const target = day.set({ hour: local.hour, minute: local.minute, second: local.second, millisecond: local.millisecond });
  // 0 business minutes: the first open instant at or after the target (the target itself when open).
  return addBusinessMinutes(target.toJSDate(), 0, cal);
}

function isWorkingDay(day: DateTime, cal: BusinessCalendar): boolean {
  const weekday = WEEKDAYS[day.weekday - 1]!;
  return (cal.week[weekday]?.length ?? 0) > 0 && !cal.holidays.includes(day.toISODate() ?? "");
}

export interface FollowUpStep {
  step: number;
  at: Date;
  /** The give-up step, after the last reminder. */
  final: boolean;
}

/** Every step of a cadence started at `anchor`: the reminders, then the give-up step. */
export function followUpSchedule(anchor: Date, cadence: FollowUp, cal: BusinessCalendar): FollowUpStep[] {
  const reminders = cadence.reminders.map((o, step) => ({ step, at: addOffset(anchor, o, cal), final: false }));
  return [...reminders, { step: reminders.length, at: addOffset(anchor, cadence.giveUpAfter, cal), final: true }];
}

/** The case as the follow-up rules read it. */
export interface FollowUpState {
  status: CaseStatus;
  /** When the case last entered WAITING_ON_CUSTOMER (null: never, or not known). */
  waitingSince: Date | null;
}

/** The jobs to have for a case: its cadence's steps not recorded yet. Nothing when it does not wait or has no cadence. */
export function planFollowUps(state: FollowUpState, cadence: FollowUp | null, cal: BusinessCalendar, recorded: ReadonlySet<number>): FollowUpStep[] {
  if (cadence === null || state.status !== "WAITING_ON_CUSTOMER" || state.waitingSince === null) return [];
  return followUpSchedule(state.waitingSince, cadence, cal).filter((s) => !recorded.has(s.step));
}

export type StepDecision = { act: "fire" } | { act: "wait"; until: Date } | { act: "skip"; reason: "released" | "stale" | "no-cadence" };

/**
 * What a fired follow-up job does. `job.anchorAt` is the waiting start it was planned for: a case that stopped
 * waiting is released, one that waits again since another instant is a different cadence (stale job).
 */
export function decideFollowUp(state: FollowUpState, hasCadence: boolean, job: { anchorAt: Date; at: Date }, now: Date): StepDecision {
  if (state.status !== "WAITING_ON_CUSTOMER" || state.waitingSince === null) return { act: "skip", reason: "released" };
  if (state.waitingSince.getTime() !== job.anchorAt.getTime()) return { act: "skip", reason: "stale" };
  if (!hasCadence) return { act: "skip", reason: "no-cadence" };
  if (now.getTime() < job.at.getTime()) return { act: "wait", until: job.at };
  return { act: "fire" };
}

/** The status a give-up step moves the case to, or null when only the owner is told. */
export function giveUpStatus(action: GiveUpAction): "RESOLVED" | "CLOSED" | null {
  return action === "resolve" ? "RESOLVED" : action === "close" ? "CLOSED" : null;
}

/** The case as the nudge rule reads it. */
export interface NudgeState {
  status: CaseStatus;
  ownerId: number | null;
  /** The last thing an agent did on the case (a post, a change), or its opening when nobody did anything yet. */
  lastAgentActionAt: Date;
}

/** Statuses in which the next move is an agent's: a nudge makes sense. */
const AGENTS_TURN: readonly CaseStatus[] = ["NEW", "ASSIGNED", "IN_PROGRESS"];

/** When the owner is to be nudged, or null when no nudge applies. */
export function nudgeDue(state: NudgeState, after: Offset | undefined, cal: BusinessCalendar): Date | null {
  if (after === undefined || state.ownerId === null || !AGENTS_TURN.includes(state.status)) return null;
  return addOffset(state.lastAgentActionAt, after, cal);
}

/** What a fired nudge job does: the anchor is the last agent action it was planned for. */
export function decideNudge(state: NudgeState, after: Offset | undefined, job: { anchorAt: Date; at: Date }, now: Date): StepDecision {
  if (after === undefined) return { act: "skip", reason: "no-cadence" };
  if (state.ownerId === null || !AGENTS_TURN.includes(state.status)) return { act: "skip", reason: "released" };
  if (state.lastAgentActionAt.getTime() !== job.anchorAt.getTime()) return { act: "skip", reason: "stale" };
  if (now.getTime() < job.at.getTime()) return { act: "wait", until: job.at };
  return { act: "fire" };
}

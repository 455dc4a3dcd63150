/**
 * Business-time arithmetic for SLA clocks: weekly opening hours in a named time zone, holidays, and
 * pauses (e.g. while a case waits on the customer). Pure: no clock reads, no I/O.
 *
 * Model. Business time is the set of instants whose wall-clock reading in `timeZone` falls inside one
 * of that local date's windows, on a local date that is not a holiday, and that lie in no pause. Every
 * function here measures or walks that set in real (UTC) milliseconds, so:
 * - an opening at 09:00 Europe/Prague is 08:00Z in winter and 07:00Z in summer;
 * - wall-clock times skipped by a spring-forward gap are simply not business time (a 01:00–04:00
 *   window holds 2 real hours that night), and a fall-back repeat counts each real instant once (the
 *   same window holds 4 real hours that night: the repeated hour really was worked twice).
 *
 * Why not luxon's `DateTime.fromObject` per window edge: it resolves a gap time by shifting it forward
 * (02:30 → 03:30) and an ambiguous time to one of its two instants, which invents business time in a
 * gap and drops one copy of a repeated hour. Instead luxon supplies what a library should (the zone's
 * UTC offset at an instant, from the tz database) and the windows are laid over constant-offset spans.
 */
import { IANAZone } from "luxon";

export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

export interface BusinessWindow {
  /** Local wall-clock opening, "HH:MM" (00:00–23:59). */
  start: string;
  /** Local wall-clock closing, "HH:MM", exclusive; "24:00" means the end of the day. */
  end: string;
}

export interface BusinessCalendar {
  /** IANA zone name (e.g. "Europe/Prague"); windows and holidays are read in this zone's wall clock. */
  timeZone: string;
  /** Opening windows per weekday; a missing or empty day is closed. Windows may not cross midnight. */
  week: Partial<Record<Weekday, BusinessWindow[]>>;
  /** Local dates "YYYY-MM-DD" with no business time at all. */
  holidays: string[];
}

/** A span of real time. `end: null` is an open interval (a pause that has not ended yet). */
export interface Interval {
  start: Date;
  end: Date | null;
}

const FULL_DAY = Object.freeze([Object.freeze({ start: "00:00", end: "24:00" })]) as BusinessWindow[];

/**
 * 24×7 in UTC: the calendar for a contract that names none. Its business minutes are exactly calendar
 * minutes, so SLA arithmetic on it equals plain `Date` arithmetic (tests pin that).
 */
export const ALWAYS_OPEN: BusinessCalendar = Object.freeze({
  timeZone: "UTC",
  week: Object.freeze({ mon: FULL_DAY, tue: FULL_DAY, wed: FULL_DAY, thu: FULL_DAY, fri: FULL_DAY, sat: FULL_DAY, sun: FULL_DAY }),
  holidays: Object.freeze([] as string[]) as string[],
}) as BusinessCalendar;

/**
 * Thrown by `addBusinessMinutes` when an open pause (`end: null`) begins before the requested business
 * time has elapsed: the clock is stopped, so no due instant exists until the pause ends.
 */
export class ClockStoppedError extends Error {
  override readonly name = "ClockStoppedError";
  constructor(
    /** Where the open pause stopped the clock. */
    readonly stoppedAt: Date,
    /** Business minutes still owed when the clock stopped. */
    readonly remainingMinutes: number,
  ) {
    super(`SLA clock stopped at ${stoppedAt.toISOString()} by an open pause with ${remainingMinutes} business minute(s) still to run`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Config validation
// ---------------------------------------------------------------------------------------------------

export const WEEKDAYS: readonly Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/** Index by JavaScript's getUTCDay() (0 = Sunday). */
const BY_JS_DAY: readonly Weekday[] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const HH_MM = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** "HH:MM" → minutes after local midnight; `allowEndOfDay` admits "24:00". NaN when malformed. */
export function clockMinutes(s: string, allowEndOfDay: boolean): number {
  if (allowEndOfDay && s === "24:00") return 1440;
  if (!HH_MM.test(s)) return Number.NaN;
  return Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
}

// ---------------------------------------------------------------------------------------------------
// Compiled form
// ---------------------------------------------------------------------------------------------------

const MINUTE = 60_000;
const DAY = 86_400_000;
/**
 * How far a walk may go without meeting any business time before it gives up. Three years is longer
 * than any real closure (so a valid calendar never trips it) and short enough to fail fast on a calendar
 * that is closed forever (no windows, or every date a holiday).
 */
const MAX_CLOSED_SPAN = 3 * 366 * DAY;

interface Compiled {
  zone: IANAZone;
  /** Per JS weekday (0 = Sunday): sorted, merged [startMs, endMs) offsets from local midnight. */
  days: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
  holidays: ReadonlySet<string>;
  hasWindows: boolean;
}

/**
 * Turns a calendar into millisecond windows. Throws on a malformed calendar rather than guessing, since
 * a silently misread opening hour would move every due time. Overlapping windows are merged so no
 * instant counts twice. Cheap (microseconds), so it runs on every call instead of caching by object
 * identity, which would go stale if a caller edited a calendar in place.
 */
function compile(cal: BusinessCalendar): Compiled {
  const zone = IANAZone.create(cal.timeZone);
  if (!zone.isValid) throw new Error(`business calendar: timeZone ${JSON.stringify(cal.timeZone)} is not an IANA time zone`);
  const days = BY_JS_DAY.map((day) => {
    const spans = (cal.week[day] ?? []).map((w, i): [number, number] => {
      const start = clockMinutes(w.start, false);
      const end = clockMinutes(w.end, true);
      if (Number.isNaN(start) || Number.isNaN(end) || start >= end) {
        throw new Error(`business calendar: week.${day}[${i}] ${JSON.stringify(w)} is not a window "HH:MM"–"HH:MM" with start before end`);
      }
      return [start * MINUTE, end * MINUTE];
    });
    return mergeSpans(spans);
  });
  // Shape only: the full date check costs ~0.1 ms a date and belongs to config validation; an impossible
  // date such as 2025-02-30 can never equal a real local date, so it is harmless here.
  cal.holidays.forEach((h, i) => {
    if (!ISO_DATE.test(h)) throw new Error(`business calendar: holidays[${i}] ${JSON.stringify(h)} is not a "YYYY-MM-DD" date`);
  });
  return {
    zone,
    days,
    holidays: new Set(cal.holidays),
    hasWindows: days.some((d) => d.length > 0),
  };
}

/** UTC offset in ms at an instant, from the tz database via luxon. */
function offsetAt(zone: IANAZone, ms: number): number {
  return zone.offset(ms) * MINUTE;
}

/**
 * Consecutive spans of constant UTC offset starting at `from`, each at most a day long. A day probe
 * finds a change; a binary search then pins the transition to the millisecond. Assumes a zone never
 * changes offset and changes back within one day, true of every zone in the current tz database.
 */
function* offsetSpans(zone: IANAZone, from: number): Generator<{ start: number; end: number; offset: number }> {
  let t = from;
  let off = offsetAt(zone, t);
  for (;;) {
    const probe = t + DAY;
    const probeOff = offsetAt(zone, probe);
    if (probeOff === off) {
      yield { start: t, end: probe, offset: off };
      t = probe;
      continue;
    }
    let lo = t;
    let hi = probe;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(zone, mid) === off) lo = mid;
      else hi = mid;
    }
    yield { start: t, end: hi, offset: off };
    t = hi;
    off = offsetAt(zone, t);
  }
}

/**
 * The calendar's business spans [start, end) in UTC ms, ascending, clipped to [from, limit). Spans may
 * touch (at midnight, at a chunk edge); callers treat touching spans as continuous. With `guard`, a walk
 * that finds no business time for `MAX_CLOSED_SPAN` throws instead of running on forever.
 */
function* calendarSpans(c: Compiled, from: number, limit: number, guard: boolean): Generator<readonly [number, number]> {
  let lastOpen = from;
  for (const span of offsetSpans(c.zone, from)) {
    if (span.start >= limit) return;
    const o = span.offset;
    const localFrom = span.start + o;
    const localTo = Math.min(span.end, limit) + o;
    for (let day = Math.floor(localFrom / DAY) * DAY; day < localTo; day += DAY) {
      const windows = c.days[new Date(day).getUTCDay()] ?? [];
      if (windows.length === 0) continue;
      if (c.holidays.size > 0 && c.holidays.has(new Date(day).toISOString().slice(0, 10))) continue;
      for (const [ws, we] of windows) {
        const s = Math.max(day + ws, localFrom);
        const e = Math.min(day + we, localTo);
        if (s < e) {
          lastOpen = e - o;
          yield [s - o, e - o];
        }
      }
    }
    if (guard && span.end - lastOpen > MAX_CLOSED_SPAN) {
      throw new Error(
        `business calendar (${c.zone.name}) has no business time in the ${MAX_CLOSED_SPAN / DAY} days after ${new Date(lastOpen).toISOString()}: ` +
          "check its windows and holidays",
      );
    }
  }
}

interface NormalizedPauses {
  /** Closed pauses, sorted, merged, as [start, end) ms. */
  closed: ReadonlyArray<readonly [number, number]>;
  /** Start of the open pause (after merging, everything from here on is paused), or +Infinity. */
  openFrom: number;
}

function normalizePauses(pauses: readonly Interval[] | undefined): NormalizedPauses {
  const spans: [number, number][] = [];
  for (const [i, p] of (pauses ?? []).entries()) {
    const s = p.start.getTime();
    const e = p.end === null ? Number.POSITIVE_INFINITY : p.end.getTime();
    if (Number.isNaN(s) || Number.isNaN(e)) throw new RangeError(`pauses[${i}] has an invalid date`);
    if (e < s) throw new RangeError(`pauses[${i}] ends (${new Date(e).toISOString()}) before it starts (${new Date(s).toISOString()})`);
    if (e > s) spans.push([s, e]);
  }
  const merged = mergeSpans(spans);
  const tail = merged[merged.length - 1];
  if (tail && tail[1] === Number.POSITIVE_INFINITY) {
    merged.pop();
    return { closed: merged, openFrom: tail[0] };
  }
  return { closed: merged, openFrom: Number.POSITIVE_INFINITY };
}

/** Business spans with the pauses cut out: the instants at which the SLA clock actually runs. */
function* runningSpans(c: Compiled, from: number, limit: number, pauses: NormalizedPauses, guard: boolean): Generator<readonly [number, number]> {
  let i = 0;
  const { closed } = pauses;
  for (const [a, b] of calendarSpans(c, from, Math.min(limit, pauses.openFrom), guard)) {
    while (i < closed.length && closed[i]![1] <= a) i++;
    let cur = a;
    for (let j = i; j < closed.length && closed[j]![0] < b; j++) {
      const [ps, pe] = closed[j]!;
      if (ps > cur) yield [cur, ps];
      cur = Math.max(cur, pe);
      if (cur >= b) break;
    }
    if (cur < b) yield [cur, b];
  }
}

function checkDate(d: Date, name: string): number {
  const t = d.getTime();
  if (Number.isNaN(t)) throw new RangeError(`${name} is an invalid date`);
  return t;
}

// ---------------------------------------------------------------------------------------------------
// Arithmetic
// ---------------------------------------------------------------------------------------------------

/**
 * The instant at which `minutes` of running business time (inside the calendar's windows, outside every
 * pause) have elapsed after `start`. Minutes are rounded to whole milliseconds, the resolution of `Date`.
 *
 * - A start outside business hours (or inside a pause) starts the clock at the next opening.
 * - The earliest such instant is returned, so a budget used up exactly at closing time is due at the
 *   closing edge (17:00), not at the next morning's opening.
 * - `minutes === 0` returns the first running instant at or after `start` (the opening, when opened
 *   out of hours): a zero target is "due as soon as someone could act", not "already late".
 *
 * Throws `ClockStoppedError` when an open pause starts before the budget is used up (no due instant
 * exists yet), and an Error when the calendar has no business time within three years of a point
 * (instead of searching forever).
 */
export function addBusinessMinutes(start: Date, minutes: number, cal: BusinessCalendar, pauses?: readonly Interval[]): Date {
  const from = checkDate(start, "start");
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError(`minutes must be a finite number >= 0, got ${minutes}`);
  const c = compile(cal);
  if (!c.hasWindows) throw new Error(`business calendar (${cal.timeZone}) has no business hours on any weekday: no due time can be reached`);
  const p = normalizePauses(pauses);
  let need = Math.round(minutes * MINUTE);
  for (const [a, b] of runningSpans(c, from, Number.POSITIVE_INFINITY, p, true)) {
    if (need === 0) return new Date(a);
    if (b - a >= need) return new Date(a + need);
    need -= b - a;
  }
  // The walk only ends without an answer when the open pause cut it off.
  throw new ClockStoppedError(new Date(Math.max(from, p.openFrom)), need / MINUTE);
}

/**
 * Running business minutes in [from, to): inside the calendar's windows and outside every pause (an open
 * pause counts as paused up to `to`). 0 when `to <= from`. Fractional: milliseconds / 60 000.
 */
export function businessMinutesBetween(from: Date, to: Date, cal: BusinessCalendar, pauses?: readonly Interval[]): number {
  const f = checkDate(from, "from");
  const t = checkDate(to, "to");
  if (t <= f) return 0;
  const c = compile(cal);
  if (!c.hasWindows) return 0;
  let ms = 0;
  for (const [a, b] of runningSpans(c, f, t, normalizePauses(pauses), false)) ms += b - a;
  return ms / MINUTE;
}

/**
 * Whether the calendar is open at `at` (wall clock inside a window on a non-holiday). Pauses are not
 * considered: this answers "is it business hours", e.g. for a "we'll answer tomorrow" auto-reply.
 */
export function isBusinessTime(at: Date, cal: BusinessCalendar): boolean {
  const t = checkDate(at, "at");
  const c = compile(cal);
  // Spans are clipped to [t, t + 1), so any span at all means t itself is open.
  for (const _ of calendarSpans(c, t, t + 1, false)) return true;
  return false;
}

/** Sorted, overlapping or touching [start, end) spans merged into disjoint ones, so nothing counts twice. */
function mergeSpans(spans: [number, number][]): [number, number][] {
  const merged: [number, number][] = [];
  for (const s of [...spans].sort((a, b) => a[0] - b[0])) {
    const last = merged[merged.length - 1];
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else merged.push([s[0], s[1]]);
  }
  return merged;
}

import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { BusinessCalendarSchema } from "../../src/sla/calendar-schema.ts";
import {
  ALWAYS_OPEN,
  addBusinessMinutes,
  businessMinutesBetween,
  ClockStoppedError,
  isBusinessTime,
  WEEKDAYS,
  type BusinessCalendar,
  type BusinessWindow,
  type Interval,
  type Weekday,
} from "../../src/sla/calendar.ts";
import { DAY, local, MIN, nineToFive, officeHours, prague } from "../support/calendars.ts";

const newYork = officeHours("America/New_York");
const iso = (d: Date) => d.toISOString();

/**
 * Independent oracle: is the calendar open at `ms`? Reads the wall clock with luxon and checks the
 * windows by hand, sharing no code with calendar.ts.
 */
function isOpenAt(ms: number, cal: BusinessCalendar): boolean {
  const dt = DateTime.fromMillis(ms, { zone: cal.timeZone });
  if (cal.holidays.includes(dt.toISODate() ?? "")) return false;
  const day = WEEKDAYS[dt.weekday - 1] as Weekday;
  const t = dt.hour * 60 + dt.minute + dt.second / 60 + dt.millisecond / MIN;
  const toMin = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
  return (cal.week[day] ?? []).some((w) => toMin(w.start) <= t && t < toMin(w.end));
}

describe("addBusinessMinutes: office hours", () => {
  it("carries a Friday 16:00 case with a 4 h target to Monday 12:00 local", () => {
    expect(iso(addBusinessMinutes(local("2025-01-10T16:00", "Europe/Prague"), 240, prague))).toBe(iso(local("2025-01-13T12:00", "Europe/Prague")));
  });

  it("opens at 09:00 local whatever the season: 08:00Z in winter, 07:00Z in summer", () => {
    expect(iso(addBusinessMinutes(new Date("2025-01-11T12:00:00Z"), 0, prague))).toBe("2025-01-13T08:00:00.000Z");
    expect(iso(addBusinessMinutes(new Date("2025-07-12T12:00:00Z"), 0, prague))).toBe("2025-07-14T07:00:00.000Z");
  });

  it("starts the clock at the next opening when opened out of hours", () => {
    expect(iso(addBusinessMinutes(local("2025-01-13T06:30", "Europe/Prague"), 30, prague))).toBe(iso(local("2025-01-13T09:30", "Europe/Prague")));
    expect(iso(addBusinessMinutes(local("2025-01-13T20:00", "Europe/Prague"), 30, prague))).toBe(iso(local("2025-01-14T09:30", "Europe/Prague")));
  });

  it("is due at the closing edge when the budget runs out exactly at closing time", () => {
    expect(iso(addBusinessMinutes(local("2025-01-13T09:00", "Europe/Prague"), 480, prague))).toBe(iso(local("2025-01-13T17:00", "Europe/Prague")));
  });

  it("returns the first business instant for 0 minutes: the start itself when open, else the next opening", () => {
    const open = local("2025-01-13T10:15", "Europe/Prague");
    expect(iso(addBusinessMinutes(open, 0, prague))).toBe(iso(open));
    expect(iso(addBusinessMinutes(local("2025-01-13T17:00", "Europe/Prague"), 0, prague))).toBe(iso(local("2025-01-14T09:00", "Europe/Prague")));
  });

  it("skips holidays, read as local dates", () => {
    const cal = officeHours("Europe/Prague", ["2025-01-13"]);
    expect(iso(addBusinessMinutes(local("2025-01-10T16:00", "Europe/Prague"), 240, cal))).toBe(iso(local("2025-01-14T12:00", "Europe/Prague")));
    // 2025-01-12T20:00Z is already Monday 04:00 in Shanghai, and Monday is the holiday there.
    const shanghai = officeHours("Asia/Shanghai", ["2025-01-13"]);
    expect(iso(addBusinessMinutes(new Date("2025-01-12T20:00:00Z"), 60, shanghai))).toBe(iso(local("2025-01-14T10:00", "Asia/Shanghai")));
  });

  it("merges overlapping windows instead of counting their overlap twice", () => {
    const cal: BusinessCalendar = { timeZone: "UTC", week: { mon: [{ start: "09:00", end: "12:00" }, { start: "11:00", end: "13:00" }] }, holidays: [] };
    expect(businessMinutesBetween(new Date("2025-01-13T00:00:00Z"), new Date("2025-01-14T00:00:00Z"), cal)).toBe(240);
  });

  it("runs on across midnight when one day closes at 24:00 and the next opens at 00:00", () => {
    const cal: BusinessCalendar = { timeZone: "Europe/Prague", week: { mon: [{ start: "22:00", end: "24:00" }], tue: [{ start: "00:00", end: "02:00" }] }, holidays: [] };
    expect(iso(addBusinessMinutes(local("2025-01-13T23:00", "Europe/Prague"), 120, cal))).toBe(iso(local("2025-01-14T01:00", "Europe/Prague")));
  });

  it("rounds fractional minutes to whole milliseconds", () => {
    expect(iso(addBusinessMinutes(local("2025-01-13T09:00", "Europe/Prague"), 1.5, prague))).toBe(iso(local("2025-01-13T09:01:30", "Europe/Prague")));
    expect(businessMinutesBetween(local("2025-01-13T09:00", "Europe/Prague"), local("2025-01-13T09:00:45", "Europe/Prague"), prague)).toBe(0.75);
  });

  it("rejects a negative or non-finite budget and invalid dates", () => {
    expect(() => addBusinessMinutes(new Date(), -1, prague)).toThrow(RangeError);
    expect(() => addBusinessMinutes(new Date(), Number.NaN, prague)).toThrow(RangeError);
    expect(() => addBusinessMinutes(new Date("nope"), 1, prague)).toThrow(/start/);
  });
});

describe("addBusinessMinutes: pauses", () => {
  const mon = (hhmm: string) => local(`2025-01-13T${hhmm}`, "Europe/Prague");
  const tue = (hhmm: string) => local(`2025-01-14T${hhmm}`, "Europe/Prague");

  it("shifts the due time by the pause's business length, not its calendar length", () => {
    expect(iso(addBusinessMinutes(mon("09:00"), 480, prague))).toBe(iso(mon("17:00")));
    // Paused Mon 12:00 → Tue 10:00: 5 h + 1 h of business time, although 22 h of calendar time.
    const pauses: Interval[] = [{ start: mon("12:00"), end: tue("10:00") }];
    expect(businessMinutesBetween(mon("12:00"), tue("10:00"), prague)).toBe(360);
    const due = addBusinessMinutes(mon("09:00"), 480, prague, pauses);
    expect(iso(due)).toBe(iso(tue("15:00")));
    expect(iso(due)).toBe(iso(addBusinessMinutes(mon("17:00"), 360, prague)));
  });

  it("ignores a pause that lies outside business hours", () => {
    const pauses: Interval[] = [{ start: mon("18:00"), end: tue("08:00") }];
    expect(iso(addBusinessMinutes(mon("16:00"), 120, prague, pauses))).toBe(iso(tue("10:00")));
  });

  it("merges overlapping and unsorted pauses", () => {
    const pauses: Interval[] = [
      { start: mon("11:00"), end: mon("12:00") },
      { start: mon("10:00"), end: mon("11:30") },
    ];
    expect(businessMinutesBetween(mon("09:00"), mon("17:00"), prague, pauses)).toBe(360);
  });

  it("throws ClockStoppedError when an open pause begins before the budget is used up", () => {
    const pauses: Interval[] = [{ start: mon("11:00"), end: null }];
    let err: unknown;
    try {
      addBusinessMinutes(mon("09:00"), 180, prague, pauses);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ClockStoppedError);
    expect((err as ClockStoppedError).stoppedAt.toISOString()).toBe(iso(mon("11:00")));
    expect((err as ClockStoppedError).remainingMinutes).toBe(60);
    // Due before the pause starts: unaffected.
    expect(iso(addBusinessMinutes(mon("09:00"), 60, prague, pauses))).toBe(iso(mon("10:00")));
    // And an open pause counts as paused up to `to` when measuring.
    expect(businessMinutesBetween(mon("09:00"), mon("17:00"), prague, pauses)).toBe(120);
  });

  it("rejects a pause that ends before it starts", () => {
    expect(() => addBusinessMinutes(mon("09:00"), 1, prague, [{ start: mon("12:00"), end: mon("11:00") }])).toThrow(/pauses\[0\]/);
  });
});

describe("daylight saving time", () => {
  it("keeps local opening hours over the Prague spring and autumn weekends", () => {
    // Spring: CET → CEST on Sunday 2025-03-30. Autumn: CEST → CET on Sunday 2025-10-26.
    expect(iso(addBusinessMinutes(local("2025-03-28T16:00", "Europe/Prague"), 240, prague))).toBe("2025-03-31T10:00:00.000Z");
    expect(iso(addBusinessMinutes(local("2025-10-24T16:00", "Europe/Prague"), 240, prague))).toBe("2025-10-27T11:00:00.000Z");
  });

  it("keeps local opening hours over the New York spring and autumn weekends", () => {
    // Spring: EST → EDT on Sunday 2025-03-09. Autumn: EDT → EST on Sunday 2025-11-02.
    expect(iso(addBusinessMinutes(local("2025-03-07T16:00", "America/New_York"), 240, newYork))).toBe("2025-03-10T16:00:00.000Z");
    expect(iso(addBusinessMinutes(local("2025-10-31T16:00", "America/New_York"), 240, newYork))).toBe("2025-11-03T17:00:00.000Z");
  });

  it("counts the real length of a local day: 23 h in spring, 25 h in autumn", () => {
    const allDay: BusinessCalendar = { ...ALWAYS_OPEN, timeZone: "Europe/Prague" };
    expect(businessMinutesBetween(local("2025-03-30T00:00", "Europe/Prague"), local("2025-03-31T00:00", "Europe/Prague"), allDay)).toBe(23 * 60);
    expect(businessMinutesBetween(local("2025-10-26T00:00", "Europe/Prague"), local("2025-10-27T00:00", "Europe/Prague"), allDay)).toBe(25 * 60);
    // Lord Howe moves its clocks by 30 minutes.
    const lordHowe: BusinessCalendar = { ...ALWAYS_OPEN, timeZone: "Australia/Lord_Howe" };
    expect(businessMinutesBetween(local("2025-10-05T00:00", "Australia/Lord_Howe"), local("2025-10-06T00:00", "Australia/Lord_Howe"), lordHowe)).toBe(23.5 * 60);
    expect(businessMinutesBetween(local("2025-04-06T00:00", "Australia/Lord_Howe"), local("2025-04-07T00:00", "Australia/Lord_Howe"), lordHowe)).toBe(24.5 * 60);
  });

  it("skips wall-clock times that do not exist and counts a repeated hour once per real instant", () => {
    const night = (start: string, end: string): BusinessCalendar => ({ timeZone: "Europe/Prague", week: { sun: [{ start, end }] }, holidays: [] });
    const weekend = (sat: string, mon: string) => [new Date(sat), new Date(mon)] as const;
    const [springFrom, springTo] = weekend("2025-03-29T00:00:00Z", "2025-03-31T00:00:00Z");
    const [autumnFrom, autumnTo] = weekend("2025-10-25T00:00:00Z", "2025-10-27T00:00:00Z");
    // 01:00–04:00 has 2 real hours on the spring night (02:00–03:00 never happens) and 4 in autumn.
    expect(businessMinutesBetween(springFrom, springTo, night("01:00", "04:00"))).toBe(120);
    expect(businessMinutesBetween(autumnFrom, autumnTo, night("01:00", "04:00"))).toBe(240);
    // A window entirely inside the gap holds nothing that night; inside the repeat it happens twice.
    expect(businessMinutesBetween(springFrom, springTo, night("02:00", "02:30"))).toBe(0);
    expect(businessMinutesBetween(autumnFrom, autumnTo, night("02:00", "02:30"))).toBe(60);
    // So a case due inside the gap window rolls on to the following Sunday.
    expect(iso(addBusinessMinutes(springFrom, 10, night("02:00", "02:30")))).toBe(iso(local("2025-04-06T02:10", "Europe/Prague")));
  });
});

describe("ALWAYS_OPEN", () => {
  it("equals plain calendar arithmetic", () => {
    const start = new Date("2025-03-29T22:17:05.123Z");
    expect(addBusinessMinutes(start, 4 * 1440 + 7, ALWAYS_OPEN).getTime()).toBe(start.getTime() + (4 * 1440 + 7) * MIN);
    expect(businessMinutesBetween(start, new Date(start.getTime() + 123_456), ALWAYS_OPEN)).toBe(123_456 / MIN);
  });

  it("is valid config and cannot be mutated by accident", () => {
    expect(BusinessCalendarSchema.safeParse(ALWAYS_OPEN).success).toBe(true);
    expect(Object.isFrozen(ALWAYS_OPEN)).toBe(true);
    expect(Object.isFrozen(ALWAYS_OPEN.holidays)).toBe(true);
  });
});

describe("calendars without business time", () => {
  it("throws instead of searching forever", () => {
    const closed: BusinessCalendar = { timeZone: "UTC", week: {}, holidays: [] };
    expect(() => addBusinessMinutes(new Date("2025-01-01T00:00:00Z"), 1, closed)).toThrow(/no business hours/);
    expect(businessMinutesBetween(new Date("2025-01-01T00:00:00Z"), new Date("2026-01-01T00:00:00Z"), closed)).toBe(0);
    const holidays = Array.from({ length: 5 * 366 }, (_, i) => new Date(Date.UTC(2025, 0, 1) + i * DAY).toISOString().slice(0, 10));
    expect(() => addBusinessMinutes(new Date("2025-01-01T00:00:00Z"), 1, { ...ALWAYS_OPEN, holidays })).toThrow(/no business time in the/);
  });
});

describe("isBusinessTime", () => {
  it("answers from the local wall clock", () => {
    expect(isBusinessTime(local("2025-07-14T09:00", "Europe/Prague"), prague)).toBe(true);
    expect(isBusinessTime(local("2025-07-14T08:59:59.999", "Europe/Prague"), prague)).toBe(false);
    expect(isBusinessTime(local("2025-07-14T17:00", "Europe/Prague"), prague)).toBe(false);
    expect(isBusinessTime(local("2025-07-13T12:00", "Europe/Prague"), prague)).toBe(false);
  });
});

describe("BusinessCalendarSchema", () => {
  const messages = (input: unknown) => {
    const r = BusinessCalendarSchema.safeParse(input);
    return r.success ? [] : r.error.issues.map((i) => i.message);
  };

  it("accepts a well-formed calendar, including a 24:00 closing", () => {
    expect(messages({ timeZone: "Europe/Prague", week: { mon: [{ start: "00:00", end: "24:00" }], sat: [] }, holidays: ["2025-12-24"] })).toEqual([]);
  });

  it("names the offending field", () => {
    const m = messages({
      timeZone: "Europe/Prag",
      week: { mon: [{ start: "9:00", end: "17:00" }, { start: "18:00", end: "17:00" }], tue: [{ start: "09:00", end: "25:00" }], monday: [] },
      holidays: ["2025-12-24", "2025-02-30", "24.12.2025"],
    });
    expect(m).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^timeZone: "Europe\/Prag" is not an IANA time zone/),
        expect.stringMatching(/^week: unknown day "monday"/),
        expect.stringMatching(/^week\.mon\[0\]\.start: "9:00" is not "HH:MM"/),
        expect.stringMatching(/^week\.mon\[1\]: start 18:00 must be before end 17:00/),
        expect.stringMatching(/^week\.tue\[0\]\.end: "25:00"/),
        expect.stringMatching(/^holidays\[1\]: "2025-02-30"/),
        expect.stringMatching(/^holidays\[2\]: "24\.12\.2025"/),
      ]),
    );
    expect(m).toHaveLength(7);
  });

  it("names an unknown top-level field", () => {
    expect(messages({ timeZone: "UTC", week: { mon: nineToFive }, holidays: [], holiday: [] })).toEqual([expect.stringMatching(/^calendar: unknown field "holiday"/)]);
  });

  it("rejects a calendar with no business hours at all", () => {
    expect(messages({ timeZone: "UTC", week: {}, holidays: [] })).toEqual([expect.stringMatching(/^week: no business hours/)]);
  });
});

// ---------------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------------

const ZONES = ["Europe/Prague", "America/New_York", "Asia/Shanghai", "Australia/Lord_Howe", "UTC"] as const;
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
/** Window edges on a 15-minute grid, so DST edges (02:00, 02:30, 03:00) come up often. */
const window = fc
  .uniqueArray(fc.integer({ min: 0, max: 96 }), { minLength: 2, maxLength: 2 })
  .map(([a, b]) => [Math.min(a!, b!) * 15, Math.max(a!, b!) * 15] as const)
  .map(([s, e]): BusinessWindow => ({ start: hhmm(s), end: hhmm(e) }));
const week = fc
  .record(Object.fromEntries(WEEKDAYS.map((d) => [d, fc.array(window, { maxLength: 3 })])) as Record<Weekday, fc.Arbitrary<BusinessWindow[]>>, {
    requiredKeys: [],
  })
  .filter((w) => Object.values(w).some((ws) => ws.length > 0));
/** DST transitions of the zones above in 2025–2027 (a test below checks each against luxon). */
const TRANSITIONS: Record<(typeof ZONES)[number], string[]> = {
  "Europe/Prague": ["2025-03-30T01:00Z", "2025-10-26T01:00Z", "2026-03-29T01:00Z", "2026-10-25T01:00Z", "2027-03-28T01:00Z", "2027-10-31T01:00Z"],
  "America/New_York": ["2025-03-09T07:00Z", "2025-11-02T06:00Z", "2026-03-08T07:00Z", "2026-11-01T06:00Z", "2027-03-14T07:00Z", "2027-11-07T06:00Z"],
  "Australia/Lord_Howe": ["2025-04-05T15:00Z", "2025-10-04T15:30Z", "2026-04-04T15:00Z", "2026-10-03T15:30Z", "2027-04-03T15:00Z", "2027-10-02T15:30Z"],
  "Asia/Shanghai": [],
  UTC: [],
};
const anyInstant = fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 11, 31) });
/** Half the starts fall within a day or two before a transition of the zone, where arithmetic slips. */
const instantIn = (zone: (typeof ZONES)[number]) => {
  const near = TRANSITIONS[zone].map((t) => Date.parse(t));
  if (near.length === 0) return anyInstant;
  return fc.oneof(anyInstant, fc.tuple(fc.constantFrom(...near), fc.integer({ min: -2 * DAY, max: DAY / 2 })).map(([t, d]) => t + d));
};
const zoneAndStart = fc.constantFrom(...ZONES).chain((timeZone) => instantIn(timeZone).map((start) => ({ timeZone, start })));
/** A calendar whose holidays sit near `start` so they actually get in the way. */
const scenario = fc
  .record({
    zs: zoneAndStart,
    week,
    holidayOffsets: fc.uniqueArray(fc.integer({ min: -1, max: 40 }), { maxLength: 8 }),
  })
  .map(({ zs: { timeZone, start }, week, holidayOffsets }) => {
    const holidays = holidayOffsets.map((d) => DateTime.fromMillis(start + d * DAY, { zone: timeZone }).toISODate()!);
    const cal: BusinessCalendar = { timeZone, week, holidays };
    return { cal, start: new Date(start) };
  });
/** Closed pauses around the start, in whole milliseconds. */
const pausesNear = (start: Date) =>
  fc
    .array(fc.tuple(fc.integer({ min: -2 * DAY, max: 20 * DAY }), fc.integer({ min: 0, max: 3 * DAY })), { maxLength: 4 })
    .map((ps) => ps.map(([off, len]): Interval => ({ start: new Date(start.getTime() + off), end: new Date(start.getTime() + off + len) })));
const withPauses = scenario.chain((s) => pausesNear(s.start).map((pauses) => ({ ...s, pauses })));
/** Minutes in whole milliseconds, up to ~2 working weeks of 9–17. */
const minutes = fc.integer({ min: 0, max: 5000 * MIN }).map((ms) => ms / MIN);
/** Modest by default so the suite stays fast; SLA_PROPERTY_RUNS=5000 for a deeper search. */
const runs = { numRuns: Number(process.env.SLA_PROPERTY_RUNS ?? 200) };

describe("properties", () => {
  it("generates starts around real DST transitions", () => {
    for (const [zone, list] of Object.entries(TRANSITIONS)) {
      for (const t of list) {
        const at = Date.parse(t);
        expect(DateTime.fromMillis(at - 1, { zone }).offset, `${zone} ${t}`).not.toBe(DateTime.fromMillis(at, { zone }).offset);
      }
    }
  });

  it("(a) businessMinutesBetween(start, addBusinessMinutes(start, m)) = m", () => {
    fc.assert(
      fc.property(withPauses, minutes, ({ cal, start, pauses }, m) => {
        const due = addBusinessMinutes(start, m, cal, pauses);
        expect(businessMinutesBetween(start, due, cal, pauses)).toBeCloseTo(m, 6);
      }),
      runs,
    );
  });

  it("(b) is monotonic in minutes", () => {
    fc.assert(
      fc.property(withPauses, minutes, minutes, ({ cal, start, pauses }, m1, m2) => {
        const [lo, hi] = m1 <= m2 ? [m1, m2] : [m2, m1];
        expect(addBusinessMinutes(start, lo, cal, pauses).getTime()).toBeLessThanOrEqual(addBusinessMinutes(start, hi, cal, pauses).getTime());
      }),
      runs,
    );
  });

  it("(c) an extra pause never makes the due time earlier", () => {
    fc.assert(
      fc.property(
        withPauses.chain((s) => pausesNear(s.start).map((extra) => ({ ...s, extra }))),
        minutes,
        ({ cal, start, pauses, extra }, m) => {
          const before = addBusinessMinutes(start, m, cal, pauses).getTime();
          expect(addBusinessMinutes(start, m, cal, [...pauses, ...extra]).getTime()).toBeGreaterThanOrEqual(before);
        },
      ),
      runs,
    );
  });

  it("(d) is additive: add(add(s, a), b) = add(s, a + b) for b > 0", () => {
    // b = 0 is excluded by design: add(x, 0) moves a closing-edge x on to the next opening.
    fc.assert(
      fc.property(scenario, minutes, minutes.filter((b) => b > 0), ({ cal, start }, a, b) => {
        const stepwise = addBusinessMinutes(addBusinessMinutes(start, a, cal), b, cal);
        expect(iso(stepwise)).toBe(iso(addBusinessMinutes(start, a + b, cal)));
      }),
      runs,
    );
  });

  it("(e) the due instant is in a business window or at its closing edge, never on a holiday or in a pause", () => {
    fc.assert(
      fc.property(withPauses, minutes, ({ cal, start, pauses }, m) => {
        const due = addBusinessMinutes(start, m, cal, pauses).getTime();
        const paused = (t: number) => pauses.some((p) => p.start.getTime() <= t && t < (p.end?.getTime() ?? Infinity));
        if (m === 0) {
          // The first running instant itself.
          expect(isOpenAt(due, cal) && !paused(due)).toBe(true);
        } else {
          // The last millisecond before it ran the clock.
          expect(isOpenAt(due - 1, cal) && !paused(due - 1)).toBe(true);
        }
        expect(due).toBeGreaterThanOrEqual(start.getTime());
      }),
      runs,
    );
  });

  it("matches a minute-by-minute count with luxon's wall clock (DST nights included)", () => {
    // Windows, offsets and transitions of these zones are whole minutes, so for minute-aligned bounds
    // counting open minutes is exact.
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 3 * 1440 }), ({ cal, start }, span) => {
        const from = Math.floor(start.getTime() / MIN) * MIN;
        let open = 0;
        for (let t = from; t < from + span * MIN; t += MIN) if (isOpenAt(t, cal)) open++;
        expect(businessMinutesBetween(new Date(from), new Date(from + span * MIN), cal)).toBe(open);
      }),
      { numRuns: Math.ceil(runs.numRuns / 4) },
    );
  }, 30_000); // room to shrink a counterexample: the oracle is slow by design

  it("splits additively: between(a, b) + between(b, c) = between(a, c)", () => {
    fc.assert(
      fc.property(withPauses, fc.integer({ min: 0, max: 10 * DAY }), fc.integer({ min: 0, max: 10 * DAY }), ({ cal, start, pauses }, d1, d2) => {
        const a = start;
        const b = new Date(a.getTime() + d1);
        const c = new Date(b.getTime() + d2);
        const whole = businessMinutesBetween(a, c, cal, pauses);
        expect(businessMinutesBetween(a, b, cal, pauses) + businessMinutesBetween(b, c, cal, pauses)).toBeCloseTo(whole, 6);
        expect(whole).toBeLessThanOrEqual((d1 + d2) / MIN);
      }),
      runs,
    );
  });

  it("equals plain arithmetic on ALWAYS_OPEN", () => {
    fc.assert(
      fc.property(anyInstant, fc.integer({ min: 0, max: 60 * 1440 * MIN }), (start, ms) => {
        expect(addBusinessMinutes(new Date(start), ms / MIN, ALWAYS_OPEN).getTime()).toBe(start + ms);
        expect(businessMinutesBetween(new Date(start), new Date(start + ms), ALWAYS_OPEN)).toBe(ms / MIN);
      }),
      runs,
    );
  });
});

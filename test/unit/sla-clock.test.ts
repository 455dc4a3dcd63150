import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { ALWAYS_OPEN, addBusinessMinutes, WEEKDAYS, type BusinessWindow, type Interval, type Weekday } from "../../src/sla/calendar.ts";
import { recomputeAfterChange, warningAt } from "../../src/sla/sla-clock.ts";
import { DAY, local, MIN, prague } from "../support/calendars.ts";
import { computeDueTimes } from "../oracles/sla-clock.ts";

const iso = (d: Date | null) => d?.toISOString() ?? null;
const friday16 = local("2025-01-10T16:00");

// computeDueTimes is the oracle of property (f) below; these pin it to hand-computed instants.
describe("computeDueTimes (oracle)", () => {
  it("measures first response and resolution from the opening in business time", () => {
    const due = computeDueTimes({ openedAt: friday16, targets: { firstResponseMinutes: 240, resolutionMinutes: 960 }, calendar: prague, pauses: [] });
    // 1 h on Friday, then Monday 09:00–12:00; resolution: 1 h Friday + 8 h Monday + 7 h Tuesday.
    expect(iso(due.firstResponseDueAt)).toBe(iso(local("2025-01-13T12:00")));
    expect(iso(due.resolutionDueAt)).toBe(iso(local("2025-01-14T16:00")));
    expect(due.nextResponseDueAt).toBeNull();
    expect(due.pausedSince).toBeNull();
  });

  it("measures next response from the customer post awaiting an answer", () => {
    const targets = { firstResponseMinutes: 60, nextResponseMinutes: 120, resolutionMinutes: 2400 };
    const due = computeDueTimes({ openedAt: friday16, targets, calendar: prague, pauses: [], lastCustomerPostAt: local("2025-01-13T16:30") });
    expect(iso(due.nextResponseDueAt)).toBe(iso(local("2025-01-14T10:30")));
    // No post awaiting an answer, or no target: no next-response due time.
    expect(computeDueTimes({ openedAt: friday16, targets, calendar: prague, lastCustomerPostAt: null }).nextResponseDueAt).toBeNull();
    expect(computeDueTimes({ openedAt: friday16, targets: { ...targets, nextResponseMinutes: null }, calendar: prague, lastCustomerPostAt: friday16 }).nextResponseDueAt).toBeNull();
  });

  it("is plain calendar-time arithmetic on the 24×7 default", () => {
    const openedAt = new Date("2025-03-29T23:30:00Z");
    const due = computeDueTimes({ openedAt, targets: { firstResponseMinutes: 90, resolutionMinutes: 2880 } });
    expect(iso(due.firstResponseDueAt)).toBe(iso(new Date(openedAt.getTime() + 90 * MIN)));
    expect(iso(due.resolutionDueAt)).toBe(iso(new Date(openedAt.getTime() + 2880 * MIN)));
  });

  it("has no due time for a target that an open pause stopped, and says since when", () => {
    const pauses: Interval[] = [{ start: local("2025-01-13T10:00"), end: null }];
    const due = computeDueTimes({ openedAt: friday16, targets: { firstResponseMinutes: 60, resolutionMinutes: 960 }, calendar: prague, pauses });
    expect(iso(due.firstResponseDueAt)).toBe(iso(local("2025-01-10T17:00")));
    expect(due.resolutionDueAt).toBeNull();
    expect(iso(due.pausedSince)).toBe(iso(local("2025-01-13T10:00")));
  });

  it("moves the due time when a closed pause ends", () => {
    const pauses: Interval[] = [{ start: local("2025-01-13T10:00"), end: local("2025-01-13T14:00") }];
    const due = computeDueTimes({ openedAt: friday16, targets: { firstResponseMinutes: 240, resolutionMinutes: 960 }, calendar: prague, pauses });
    // 1 h Friday + 1 h Monday morning, paused 4 h, then 2 h more.
    expect(iso(due.firstResponseDueAt)).toBe(iso(local("2025-01-13T16:00")));
  });
});

describe("warningAt", () => {
  it("takes the share of business time, not of calendar time", () => {
    const due = local("2025-01-13T12:00");
    // 80 % of 4 business hours = 3 h 12 min: 1 h on Friday, 2 h 12 min on Monday.
    expect(iso(warningAt(friday16, due, 0.8, prague))).toBe(iso(local("2025-01-13T11:12")));
    expect(iso(warningAt(friday16, due, 1, prague))).toBe(iso(due));
    expect(iso(warningAt(friday16, due, 0, prague))).toBe(iso(friday16));
  });

  it("honours pauses and rejects a share outside 0..1", () => {
    const pauses: Interval[] = [{ start: local("2025-01-13T09:00"), end: local("2025-01-13T10:00") }];
    const due = addBusinessMinutes(friday16, 240, prague, pauses);
    expect(iso(due)).toBe(iso(local("2025-01-13T13:00")));
    expect(iso(warningAt(friday16, due, 0.5, prague, pauses))).toBe(iso(local("2025-01-13T11:00")));
    expect(() => warningAt(friday16, due, 1.2, prague)).toThrow(RangeError);
    expect(() => warningAt(friday16, due, Number.NaN, prague)).toThrow(RangeError);
  });
});

describe("recomputeAfterChange", () => {
  const monday9 = local("2025-01-13T09:00");
  const now = local("2025-01-13T13:00");

  it("keeps elapsed time when the target gets stricter", () => {
    const r = recomputeAfterChange({ openedAt: monday9, now, targets: { firstResponseMinutes: 60, resolutionMinutes: 480 }, calendar: prague });
    expect(r.elapsedBusinessMinutes).toBe(240);
    expect(iso(r.resolutionDueAt)).toBe(iso(local("2025-01-13T17:00")));
    // A target already used up is due when it ran out, in the past: the case is late, not reset.
    expect(iso(r.firstResponseDueAt)).toBe(iso(local("2025-01-13T10:00")));
  });

  it("keeps elapsed time when the target gets looser", () => {
    const r = recomputeAfterChange({ openedAt: monday9, now, targets: { firstResponseMinutes: 600, resolutionMinutes: 1440 }, calendar: prague });
    expect(iso(r.firstResponseDueAt)).toBe(iso(local("2025-01-14T11:00")));
    expect(iso(r.resolutionDueAt)).toBe(iso(local("2025-01-15T17:00")));
  });

  it("excludes the same pauses and reports elapsed time without them", () => {
    const pauses: Interval[] = [{ start: local("2025-01-13T10:00"), end: local("2025-01-13T12:00") }];
    const r = recomputeAfterChange({ openedAt: monday9, now, targets: { firstResponseMinutes: 180, resolutionMinutes: 480 }, calendar: prague, pauses });
    expect(r.elapsedBusinessMinutes).toBe(120);
    expect(iso(r.firstResponseDueAt)).toBe(iso(local("2025-01-13T14:00")));
    expect(iso(r.resolutionDueAt)).toBe(iso(local("2025-01-14T11:00")));
  });

  it("measures the past on the previous calendar and the future on the new one", () => {
    const r = recomputeAfterChange({
      openedAt: monday9,
      now: local("2025-01-13T17:00"),
      targets: { firstResponseMinutes: 600, resolutionMinutes: 600 },
      calendar: { ...ALWAYS_OPEN, timeZone: "Europe/Prague" },
      previousCalendar: prague,
    });
    // 8 h used on office hours; the remaining 2 h run round the clock from 17:00.
    expect(r.elapsedBusinessMinutes).toBe(480);
    expect(iso(r.resolutionDueAt)).toBe(iso(local("2025-01-13T19:00")));
  });

  it("reports the next-response clock when it runs", () => {
    const r = recomputeAfterChange({
      openedAt: monday9,
      now,
      targets: { firstResponseMinutes: 60, nextResponseMinutes: 120, resolutionMinutes: 480 },
      calendar: prague,
      lastCustomerPostAt: local("2025-01-13T12:30"),
    });
    expect(r.nextResponseElapsedBusinessMinutes).toBe(30);
    expect(iso(r.nextResponseDueAt)).toBe(iso(local("2025-01-13T14:30")));
    expect(recomputeAfterChange({ openedAt: monday9, now, targets: { firstResponseMinutes: 60, resolutionMinutes: 480 } }).nextResponseElapsedBusinessMinutes).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------------

const ZONES = ["Europe/Prague", "America/New_York", "Asia/Shanghai", "Australia/Lord_Howe", "UTC"] as const;
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
const window = fc
  .uniqueArray(fc.integer({ min: 0, max: 96 }), { minLength: 2, maxLength: 2 })
  .map(([a, b]): BusinessWindow => ({ start: hhmm(Math.min(a!, b!) * 15), end: hhmm(Math.max(a!, b!) * 15) }));
const week = fc
  .record(Object.fromEntries(WEEKDAYS.map((d) => [d, fc.array(window, { maxLength: 3 })])) as Record<Weekday, fc.Arbitrary<BusinessWindow[]>>, {
    requiredKeys: [],
  })
  .filter((w) => Object.values(w).some((ws) => ws.length > 0));
const scenario = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    week,
    openedAt: fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 11, 31) }),
    holidayOffsets: fc.uniqueArray(fc.integer({ min: -1, max: 30 }), { maxLength: 6 }),
    pauses: fc.array(fc.tuple(fc.integer({ min: -DAY, max: 15 * DAY }), fc.option(fc.integer({ min: 0, max: 3 * DAY }), { freq: 6 })), { maxLength: 3 }),
    nowOffset: fc.integer({ min: -DAY, max: 30 * DAY }),
    postOffset: fc.option(fc.integer({ min: 0, max: 10 * DAY })),
    targets: fc.record({
      firstResponseMinutes: fc.integer({ min: 0, max: 2000 }),
      nextResponseMinutes: fc.option(fc.integer({ min: 0, max: 2000 })),
      resolutionMinutes: fc.integer({ min: 0, max: 6000 }),
    }),
  })
  .map(({ timeZone, week, openedAt, holidayOffsets, pauses, nowOffset, postOffset, targets }) => ({
    calendar: { timeZone, week, holidays: holidayOffsets.map((d) => DateTime.fromMillis(openedAt + d * DAY, { zone: timeZone }).toISODate()!) },
    openedAt: new Date(openedAt),
    // fc.option's null length makes an open pause (a case still waiting on the customer).
    pauses: pauses.map(([off, len]): Interval => ({ start: new Date(openedAt + off), end: len === null ? null : new Date(openedAt + off + len) })),
    now: new Date(openedAt + nowOffset),
    lastCustomerPostAt: postOffset === null ? null : new Date(openedAt + postOffset),
    targets,
  }));
const runs = { numRuns: Number(process.env.SLA_PROPERTY_RUNS ?? 200) };

describe("properties", () => {
  it("(f) recomputing with the same targets reproduces the due times: elapsed time is kept, not restarted", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const due = computeDueTimes(s);
        const again = recomputeAfterChange(s);
        expect(iso(again.firstResponseDueAt)).toBe(iso(due.firstResponseDueAt));
        expect(iso(again.nextResponseDueAt)).toBe(iso(due.nextResponseDueAt));
        expect(iso(again.resolutionDueAt)).toBe(iso(due.resolutionDueAt));
        expect(again.elapsedBusinessMinutes).toBeGreaterThanOrEqual(0);
      }),
      runs,
    );
  });

  it("a stricter target is never due later, and a target used up by now is due no later than now", () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 6000 }), (s, stricter) => {
        const target = Math.min(stricter, s.targets.resolutionMinutes);
        const before = recomputeAfterChange(s).resolutionDueAt;
        const after = recomputeAfterChange({ ...s, targets: { ...s.targets, resolutionMinutes: target } });
        if (before !== null && after.resolutionDueAt !== null) expect(after.resolutionDueAt.getTime()).toBeLessThanOrEqual(before.getTime());
        if (after.elapsedBusinessMinutes > target && after.resolutionDueAt !== null) {
          expect(after.resolutionDueAt.getTime()).toBeLessThanOrEqual(s.now.getTime());
        }
      }),
      runs,
    );
  });

  it("warningAt lies between start and due, grows with the share, and reaches the due at share 1", () => {
    fc.assert(
      fc.property(scenario, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (s, x, y) => {
        const closed = s.pauses.filter((p) => p.end !== null);
        const due = addBusinessMinutes(s.openedAt, s.targets.resolutionMinutes, s.calendar, closed);
        const [lo, hi] = x <= y ? [x, y] : [y, x];
        const wLo = warningAt(s.openedAt, due, lo, s.calendar, closed).getTime();
        const wHi = warningAt(s.openedAt, due, hi, s.calendar, closed).getTime();
        expect(wLo).toBeGreaterThanOrEqual(s.openedAt.getTime());
        expect(wLo).toBeLessThanOrEqual(wHi);
        expect(wHi).toBeLessThanOrEqual(due.getTime());
        expect(warningAt(s.openedAt, due, 1, s.calendar, closed).getTime()).toBe(due.getTime());
      }),
      runs,
    );
  });

  it("on the 24×7 default, due times are plain arithmetic and elapsed time is wall time minus pauses", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 11, 31) }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 0, max: 10 * DAY }),
        (opened, target, elapsed) => {
          const openedAt = new Date(opened);
          const r = recomputeAfterChange({ openedAt, now: new Date(opened + elapsed), targets: { firstResponseMinutes: target, resolutionMinutes: target } });
          expect(r.resolutionDueAt?.getTime()).toBe(opened + target * MIN);
          expect(r.elapsedBusinessMinutes).toBe(elapsed / MIN);
        },
      ),
      runs,
    );
  });
});

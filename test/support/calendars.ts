/**
 * Fixed business calendars and wall-clock helpers for the SLA tests. Instants are built with luxon, not
 * with the calendar code under test, so an expected time does not share a bug with the result.
 */
import { DateTime } from "luxon";
import type { BusinessCalendar, BusinessWindow } from "../../src/sla/calendar.ts";

export const MIN = 60_000;
export const DAY = 86_400_000;

export const nineToFive: BusinessWindow[] = [{ start: "09:00", end: "17:00" }];

/** Monday to Friday 09:00–17:00 in `timeZone`. */
export const officeHours = (timeZone: string, holidays: string[] = []): BusinessCalendar => ({
  timeZone,
  week: { mon: nineToFive, tue: nineToFive, wed: nineToFive, thu: nineToFive, fri: nineToFive },
  holidays,
});

export const prague = officeHours("Europe/Prague");

/** A local wall-clock time in `zone` (Prague unless said otherwise) as an instant. */
export const local = (iso: string, zone = "Europe/Prague"): Date => DateTime.fromISO(iso, { zone }).toJSDate();

/**
 * The configuration form of a business calendar (calendar.ts), validated with errors that name the field.
 */
import { DateTime, IANAZone } from "luxon";
import { z } from "zod";
import { clockMinutes, WEEKDAYS, type BusinessCalendar } from "./calendar.ts";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A zone the runtime's tz database knows. `IANAZone.create` caches, so this is cheap after the first call. */
function isZone(tz: string): boolean {
  return IANAZone.create(tz).isValid;
}

/** A real calendar date, not just the right shape (rejects 2025-02-30). */
function isIsoDate(s: string): boolean {
  return ISO_DATE.test(s) && DateTime.fromFormat(s, "yyyy-MM-dd", { zone: "utc" }).isValid;
}

const WindowSchema = z.object({ start: z.string(), end: z.string() }).strict();

/**
 * The config form of a business calendar. Errors name the field (`timeZone`, `week.mon[0].start`,
 * `holidays[2]`) because they end up in front of whoever edits the helpdesk config file.
 */
export const BusinessCalendarSchema: z.ZodType<BusinessCalendar> = z.strictObject(
  {
    timeZone: z.string().refine(isZone, {
      error: (iss) => `timeZone: ${JSON.stringify(iss.input)} is not an IANA time zone (e.g. "Europe/Prague")`,
    }),
    week: z
      .strictObject(
        {
          mon: z.array(WindowSchema).optional(),
          tue: z.array(WindowSchema).optional(),
          wed: z.array(WindowSchema).optional(),
          thu: z.array(WindowSchema).optional(),
          fri: z.array(WindowSchema).optional(),
          sat: z.array(WindowSchema).optional(),
          sun: z.array(WindowSchema).optional(),
        },
        {
          error: (iss) =>
            iss.code === "unrecognized_keys"
              ? `week: unknown day ${iss.keys.map((k) => JSON.stringify(k)).join(", ")} (use ${WEEKDAYS.join(", ")})`
              : undefined,
        },
      )
      .superRefine((week, ctx) => {
        let windows = 0;
        for (const day of WEEKDAYS) {
          (week[day] ?? []).forEach((w, i) => {
            windows++;
            const field = `week.${day}[${i}]`;
            const start = clockMinutes(w.start, false);
            const end = clockMinutes(w.end, true);
            if (Number.isNaN(start)) {
              ctx.addIssue({ code: "custom", path: [day, i, "start"], message: `${field}.start: ${JSON.stringify(w.start)} is not "HH:MM" (00:00–23:59)` });
            }
            if (Number.isNaN(end)) {
              ctx.addIssue({ code: "custom", path: [day, i, "end"], message: `${field}.end: ${JSON.stringify(w.end)} is not "HH:MM" (00:01–24:00)` });
            }
            if (!Number.isNaN(start) && !Number.isNaN(end) && start >= end) {
              ctx.addIssue({
                code: "custom",
                path: [day, i, "end"],
                message: `${field}: start ${w.start} must be before end ${w.end} (a window cannot cross midnight: split it over two days)`,
              });
            }
          });
        }
        if (windows === 0) {
          ctx.addIssue({ code: "custom", message: "week: no business hours on any day (use the 24×7 default instead of an empty calendar)" });
        }
      }),
    holidays: z.array(z.string()).superRefine((dates, ctx) => {
      dates.forEach((d, i) => {
        if (!isIsoDate(d)) ctx.addIssue({ code: "custom", path: [i], message: `holidays[${i}]: ${JSON.stringify(d)} is not a "YYYY-MM-DD" date` });
      });
    }),
  },
  {
    error: (iss) =>
      iss.code === "unrecognized_keys" ? `calendar: unknown field ${iss.keys.map((k) => JSON.stringify(k)).join(", ")} (use timeZone, week, holidays)` : undefined,
  },
);

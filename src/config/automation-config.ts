/**
 * Configuration of the time-driven and notification automation (issue 13, part B): follow-up cadences while a
 * case waits on the customer (per SLA contract or customer group), agent nudges, the resolution mail with its
 * satisfaction links, and customer attachments in agents' notices.
 *
 * The same schemas validate the configuration file (errors name the field) and the JSON columns the
 * configuration is stored in (`SlaContract.followUp`, `CustomerGroup.followUp`, `Settings.automation`), so a
 * row written by an older release that no longer validates is reported, never half-read.
 */
import { z } from "zod";

/**
 * A business-time offset: "3wd" (working days: the same wall-clock time that many open days later on the
 * contract's calendar), or a business duration "90m", "16h", "2d" (minutes of open business time).
 */
export const BusinessOffset = z.union([z.number().int().positive(), z.string()]).transform((value, ctx): Offset => {
  if (typeof value === "number") return { unit: "minutes", n: value };
  const m = /^(\d+)\s*(wd|m|min|h|d)?$/.exec(value.trim());
  if (!m || !m[1] || Number(m[1]) <= 0) {
    ctx.addIssue({ code: "custom", message: `"${value}" is not a business-time offset (use e.g. 2wd for working days, 4h, 90m)` });
    return z.NEVER;
  }
  const n = Number(m[1]);
  const unit = m[2] ?? "m";
  if (unit === "wd") return { unit: "working-days", n };
  return { unit: "minutes", n: unit === "h" ? n * 60 : unit === "d" ? n * 1440 : n };
});
export type Offset = { unit: "minutes"; n: number } | { unit: "working-days"; n: number };

const offsetValue = (o: Offset) => (o.unit === "working-days" ? o.n * 100_000 : o.n);

/** What happens when the last reminder went unanswered. */
export const GIVE_UP_ACTIONS = ["resolve", "close", "notify-owner"] as const;
export type GiveUpAction = (typeof GIVE_UP_ACTIONS)[number];

/**
 * A follow-up cadence: while a case waits on the customer, reminders go to its requester at each offset
 * (measured from when the case started waiting), then at `giveUpAfter` the case is resolved, closed, or only
 * its owner is told. Offsets are increasing and of one unit, so "later" is well defined.
 */
export const FollowUpSchema = z
  .object({
    reminders: z.array(BusinessOffset).min(1, "name at least one reminder offset, e.g. [2wd, 5wd]"),
    giveUpAfter: BusinessOffset,
    giveUp: z.enum(GIVE_UP_ACTIONS).default("resolve"),
  })
  .strict()
  .superRefine((f, ctx) => {
    const all = [...f.reminders, f.giveUpAfter];
    if (new Set(all.map((o) => o.unit)).size > 1) ctx.addIssue({ code: "custom", path: ["giveUpAfter"], message: "use one unit (working days or hours/minutes) for every offset" });
    for (let i = 1; i < all.length; i++) {
      if (offsetValue(all[i]!) <= offsetValue(all[i - 1]!)) {
        const path = i === all.length - 1 ? ["giveUpAfter"] : ["reminders", i];
        ctx.addIssue({ code: "custom", path, message: "must be later than the reminder before it" });
      }
    }
  });
export type FollowUp = z.infer<typeof FollowUpSchema>;

/** Module-wide automation settings: the `automation` section of the configuration file. */
export const AutomationSettingsSchema = z
  .object({
    /** Mail a case's owner when nobody acted on it for this much business time (none: no nudges). */
    nudgeOwnerAfter: BusinessOffset.optional(),
    /** Mail the customer the solution (with satisfaction links) when a case is resolved or closed. */
    resolutionMail: z.boolean().default(true),
    /** Customer attachments up to this many bytes (each) travel with agents' new-case and update notices; larger ones are linked. */
    noticeAttachmentMaxBytes: z.number().int().min(0).default(5 * 1024 * 1024),
  })
  .strict();
export type AutomationSettings = z.infer<typeof AutomationSettingsSchema>;
export const DEFAULT_AUTOMATION: AutomationSettings = AutomationSettingsSchema.parse({});

/**
 * Stored form: the parsed offsets themselves (not the file's strings), so reading back needs no re-parse of
 * "2wd". Validated with zod on read.
 */
const StoredOffset = z.discriminatedUnion("unit", [
  z.object({ unit: z.literal("minutes"), n: z.number().int().positive() }),
  z.object({ unit: z.literal("working-days"), n: z.number().int().positive() }),
]);
export const StoredFollowUp = z.object({ reminders: z.array(StoredOffset).min(1), giveUpAfter: StoredOffset, giveUp: z.enum(GIVE_UP_ACTIONS) });
export const StoredAutomation = z.object({
  nudgeOwnerAfter: StoredOffset.optional(),
  resolutionMail: z.boolean(),
  noticeAttachmentMaxBytes: z.number().int().min(0),
});

/** A stored follow-up column, or null when none is set; a malformed one throws, naming the column. */
export function readFollowUp(json: unknown, where: string): FollowUp | null {
  if (json === null || json === undefined) return null;
  const r = StoredFollowUp.safeParse(json);
  if (!r.success) throw new Error(`${where}.followUp is malformed: ${r.error.message}`);
  return r.data;
}

/** The stored automation settings, defaults when the column is empty (an installation that never set them). */
export function readAutomation(json: unknown): AutomationSettings {
  if (json === null || json === undefined) return DEFAULT_AUTOMATION;
  const r = StoredAutomation.safeParse(json);
  if (!r.success) throw new Error(`Settings.automation is malformed: ${r.error.message}`);
  return r.data;
}

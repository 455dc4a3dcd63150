/**
 * A portal user's mail preferences (Contact.notifyPreference, Contact.locale), set on the portal's preferences
 * page and read by the notify stage: which stream updates they are mailed and in which language. Pure.
 */
import { z } from "zod";
import { PORTAL_LANGUAGES } from "./portal-config.ts";

export const NOTIFY_PREFERENCES = ["all", "agents", "none"] as const;
export type NotifyPreference = (typeof NOTIFY_PREFERENCES)[number];

export const PreferencesForm = z.object({
  notify: z.enum(NOTIFY_PREFERENCES),
  language: z.enum(PORTAL_LANGUAGES),
});

/** The stored value as the plan uses it; anything unknown (a hand-edited row) counts as "all", the default. */
export function notifyPreference(stored: string): NotifyPreference {
  return (NOTIFY_PREFERENCES as readonly string[]).includes(stored) ? (stored as NotifyPreference) : "all";
}

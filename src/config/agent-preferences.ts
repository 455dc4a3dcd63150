/**
 * Agents' email preferences by event, stored in Agent.preferences (JSON) as
 * `{"new-case-in-team": false, "followed-case-post": true, …}` and declared in the helpdesk file as
 * `agents[].notify` (camelCase there, like every other config field). Pure.
 *
 * Which event a mail is (decided by the notification plan and the SLA watch, not here):
 * - `new-case-in-team`: the new-case notice a team member gets because the case was routed to their team;
 * - `assigned-to-me`: the new-case notice to the case's owner;
 * - `followed-case-post`: a post on a case the agent follows (auto-follow agents' new-case notice included);
 * - `sla-warning`: an SLA warning mail. Breach escalations are not optional.
 *
 * Preferences only ever concern agents: customers' mail never depends on them.
 */
import { z } from "zod";

export const NOTIFY_EVENTS = ["new-case-in-team", "followed-case-post", "assigned-to-me", "sla-warning"] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

export type AgentPreferences = Partial<Record<NotifyEvent, boolean>>;

// One odd stored value must not take the other preferences with it, and a value we cannot read counts as
// "on": a helpdesk that silently stops mailing an agent is worse than one mail too many. Unknown keys
// (older or newer settings) are dropped by z.object.
const Flag = z.boolean().optional().catch(undefined);
const PreferencesSchema = z
  .object({ "new-case-in-team": Flag, "followed-case-post": Flag, "assigned-to-me": Flag, "sla-warning": Flag })
  .catch({});

/** Reads stored preferences (Agent.preferences, any JSON); missing or unreadable keys are absent, i.e. on. */
export function parsePreferences(stored: unknown): AgentPreferences {
  return PreferencesSchema.parse(stored ?? {});
}

/** Whether the agent wants an email for this event; everything is on unless explicitly switched off. */
export function wantsEmail(preferences: unknown, event: NotifyEvent): boolean {
  return parsePreferences(preferences)[event] !== false;
}

/** `agents[].notify` of the helpdesk file (defaults applied) as stored JSON: every event explicit. */
export function preferencesFromConfig(notify: { newCaseInTeam: boolean; followedCasePost: boolean; assignedToMe: boolean; slaWarning: boolean }): Record<NotifyEvent, boolean> {
  return {
    "new-case-in-team": notify.newCaseInTeam,
    "followed-case-post": notify.followedCasePost,
    "assigned-to-me": notify.assignedToMe,
    "sla-warning": notify.slaWarning,
  };
}

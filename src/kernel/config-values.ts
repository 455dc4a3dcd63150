/**
 * Value parsers the configuration's schemas share: keys and wall-clock durations. A module of their own, below
 * both `config/helpdesk-config.ts` and the rule modules it imports (approvals, webhooks), which had copies
 * because importing them from helpdesk-config would be a cycle. Pure.
 */
import { z } from "zod";

/** A configuration key: how agents, teams, groups, rules… are named in the file and on the command line. */
export const Key = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "must be lower-case letters, digits, '-' or '_'");

/** "90", "90m", "4h", "2d" → minutes. Plain numbers are minutes. Zero is no duration. */
export const Duration = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  if (typeof value === "number") return value;
  const m = /^(\d+)\s*(m|min|h|d)?$/.exec(value.trim());
  if (!m || !m[1] || Number(m[1]) <= 0) {
    ctx.addIssue({ code: "custom", message: `"${value}" is not a duration (use e.g. 30m, 4h, 2d)` });
    return z.NEVER;
  }
  const n = Number(m[1]);
  return m[2] === "h" ? n * 60 : m[2] === "d" ? n * 1440 : n;
});

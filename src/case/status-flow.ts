/**
 * Status flows per case type (blueprint-lite): configuration on top of the built-in table of status.ts. Pure.
 *
 * Per case type (`statusFlows.INCIDENT`, …):
 * - `transitions`: rows of the table that this type replaces (from → allowed targets); rows not given keep
 *   the built-in ones. Two things no flow can change: CLOSED is final, and RESOLVED/CLOSED need a solution.
 * - `require`: before the case may enter status `to`, the listed `fields` must be set (severity, reason,
 *   owner, team), counting values set in the same change; `internalNote: true` asks for an internal note in
 *   the same change (an agent's `#internal` reply with text).
 * A type without an entry follows the built-in table, so an installation without `statusFlows` is unchanged.
 * A refusal reads like any refused command: it goes back to the agent in the explained-back mail.
 */
import { z } from "zod";
import type { CaseStatus } from "../kernel/domain-types.ts";
import { DEFAULT_TRANSITIONS, statusLabel, transition, type TransitionResult } from "./status.ts";

const Status = z.enum(["NEW", "ASSIGNED", "IN_PROGRESS", "WAITING_ON_CUSTOMER", "RESOLVED", "CLOSED"]);
const CaseType = z.enum(["QUESTION", "INCIDENT", "PROBLEM", "FEATURE_REQUEST"]);
export const FLOW_FIELDS = ["severity", "reason", "owner", "team"] as const;
export type FlowField = (typeof FLOW_FIELDS)[number];

const Requirement = z
  .object({ to: Status, fields: z.array(z.enum(FLOW_FIELDS)).default([]), internalNote: z.boolean().default(false) })
  .strict()
  .refine((r) => r.fields.length > 0 || r.internalNote, "require fields, an internal note, or both");

export const StatusFlowSchema = z
  .object({
    transitions: z
      .partialRecord(Status, z.array(Status))
      .optional()
      .superRefine((rows, ctx) => {
        if (rows?.CLOSED?.length) ctx.addIssue({ code: "custom", path: ["CLOSED"], message: "CLOSED is final: it allows no transition" });
        for (const [from, to] of Object.entries(rows ?? {})) {
          if (to.includes(from as CaseStatus)) ctx.addIssue({ code: "custom", path: [from], message: `${from} → ${from} is not a transition` });
        }
      }),
    require: z.array(Requirement).default([]),
  })
  .strict();

export const StatusFlowsSchema = z.partialRecord(CaseType, StatusFlowSchema);
export type StatusFlow = z.infer<typeof StatusFlowSchema>;
export type StatusFlows = z.infer<typeof StatusFlowsSchema>;

/** The case's fields as they will be after the change (the change's own values count). */
export interface FlowFields {
  severity: string | null;
  reason: string | null;
  ownerId: number | null;
  teamId: number | null;
}

const fieldSet = (f: FlowFields, field: FlowField): boolean => {
  switch (field) {
    case "severity":
      return f.severity !== null;
    case "reason":
      return (f.reason ?? "").trim() !== "";
    case "owner":
      return f.ownerId !== null;
    case "team":
      return f.teamId !== null;
  }
};

const howToSet: Record<FlowField, string> = { severity: "#severity", reason: "#reason", owner: "#assign", team: "a team" };
const article = (type: string) => (/^[aeiou]/i.test(type) ? "an" : "a");

/** Whether a case of `type` may go `from → to` under its flow, with every requirement explained when not. */
export function flowTransition(
  flow: StatusFlow | undefined,
  type: string,
  from: CaseStatus,
  to: CaseStatus,
  opts: { solution?: string | null; fields: FlowFields; internalNote: boolean },
): TransitionResult {
  const allowed = flow?.transitions?.[from] ?? DEFAULT_TRANSITIONS[from];
  const base = transition(from, to, { solution: opts.solution ?? null, allowed });
  const kind = type.toLowerCase().replace(/_/g, " ");
  if (!base.ok) return flow?.transitions?.[from] && !allowed.includes(to) && from !== "CLOSED" && from !== to ? { ok: false, reason: `${article(kind)} ${kind} cannot go from ${statusLabel(from)} to ${statusLabel(to)}` } : base;
  for (const req of flow?.require ?? []) {
    if (req.to !== to) continue;
    const missing = req.fields.filter((f) => !fieldSet(opts.fields, f));
    if (missing.length) {
      return { ok: false, reason: `${article(kind)} ${kind} needs ${missing.map((f) => `${f === "owner" ? "an" : "a"} ${f} (${howToSet[f]})`).join(" and ")} before ${statusLabel(to)}` };
    }
    if (req.internalNote && !opts.internalNote) {
      return { ok: false, reason: `${article(kind)} ${kind} needs an internal note to go to ${statusLabel(to)}: write it in the same reply, starting with #internal` };
    }
  }
  return { ok: true };
}

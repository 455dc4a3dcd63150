/**
 * Approvals, as pure decisions: which configured rule holds a change (or a new case) for approval, who
 * approves it, what a verdict does to a pending request, and when a pending request is due for a reminder
 * or times out. Pure: the service (approval.service.ts) loads, asks here, and writes.
 *
 * A held change is split: the fields a rule names wait for the approvers, the rest of the same change is
 * applied at once. While a request is pending its fields are locked for everybody (case.heldFields).
 */
import { z } from "zod";
import { Duration, Key } from "../kernel/config-values.ts";
import { CASE_PRIORITIES, CASE_STATUSES, CASE_TYPE_CHOICES, SEVERITIES, type CasePriority, type CaseStatus, type CaseTypeChoice, type Severity } from "../kernel/domain-types.ts";

/** The case fields an approval rule can hold; the names agents see in mails and `mailcase case`. */
export const APPROVAL_FIELDS = ["status", "priority", "severity", "type", "owner", "team", "sla", "portal"] as const;
export type ApprovalField = (typeof APPROVAL_FIELDS)[number];

/** Wall-clock minutes: approvals wait on people, not on the SLA calendar. */
const Minutes = Duration;

export const ApprovalRuleSchema = z
  .object({
    key: Key,
    /** `change`: a change of a case's fields by an agent (mail, API, CLI); `open`: a new case. */
    on: z.enum(["change", "open"]).default("change"),
    when: z
      .object({
        /** change: the fields whose change is held (default: any of them). */
        fields: z.array(z.enum(APPROVAL_FIELDS)).min(1).optional(),
        /** change: only a priority or severity going down (URGENT → HIGH) counts. */
        lowering: z.boolean().optional(),
        /** change: only a status change to one of these counts. */
        toStatus: z.array(z.enum(CASE_STATUSES as unknown as [CaseStatus, ...CaseStatus[]])).min(1).optional(),
        /** change: only while the case's resolution target is breached (due time in the past). */
        resolutionBreached: z.boolean().optional(),
        /** change: only changes made by these agents. */
        byAgents: z.array(Key).min(1).optional(),
        /** The case's customer group, type and priority (as they are before the change). */
        groups: z.array(Key).min(1).optional(),
        types: z.array(z.enum(CASE_TYPE_CHOICES as unknown as [CaseTypeChoice, ...CaseTypeChoice[]])).min(1).optional(),
        priorities: z.array(z.enum(CASE_PRIORITIES as unknown as [CasePriority, ...CasePriority[]])).min(1).optional(),
      })
      .strict()
      .default({}),
    approvers: z
      .object({
        agents: z.array(Key).default([]),
        /** The lead of the case's team approves too. */
        teamLead: z.boolean().default(false),
        /** any: the first verdict decides; all: every approver must approve; sequential: one after another. */
        mode: z.enum(["any", "all", "sequential"]).default("any"),
      })
      .strict()
      .refine((a) => a.agents.length > 0 || a.teamLead, "name approver agents, teamLead: true, or both"),
    /** Remind the approvers who have not decided after this long (once). */
    remindAfter: Minutes.optional(),
    /** Undecided after this long: reject, or hand over to `escalateTo` (who get the same time again). */
    timeout: Minutes.optional(),
    onTimeout: z.enum(["reject", "escalate"]).default("reject"),
    escalateTo: z.array(Key).default([]),
  })
  .strict()
  .superRefine((rule, ctx) => {
    const changeOnly = ["fields", "lowering", "toStatus", "resolutionBreached", "byAgents"] as const;
    if (rule.on === "open")
      for (const k of changeOnly) if (rule.when[k] !== undefined) ctx.addIssue({ code: "custom", path: ["when", k], message: `only for rules on: change (this rule is on: open)` });
    if (rule.onTimeout === "escalate" && rule.escalateTo.length === 0) ctx.addIssue({ code: "custom", path: ["escalateTo"], message: "onTimeout: escalate needs escalateTo agents" });
    if (rule.onTimeout === "escalate" && rule.timeout === undefined) ctx.addIssue({ code: "custom", path: ["timeout"], message: "onTimeout: escalate needs a timeout" });
    if (rule.when.lowering && rule.when.fields && !rule.when.fields.some((f) => f === "priority" || f === "severity"))
      ctx.addIssue({ code: "custom", path: ["when", "lowering"], message: "lowering applies to priority or severity: name one of them in fields" });
  });
export type ApprovalRule = z.infer<typeof ApprovalRuleSchema>;

/** One field of a requested change, with its value before and after (as stored: enum names, keys, ids). */
export interface FieldChange {
  field: ApprovalField;
  from: string | null;
  to: string | null;
}

/** The case as the rules see it, before the change. */
export interface CaseFacts {
  group: string | null;
  type: CaseTypeChoice;
  priority: CasePriority;
  resolutionBreached: boolean;
}

export interface Hold {
  rule: ApprovalRule;
  /** The requested fields the rule holds; the others are applied at once. */
  fields: ApprovalField[];
}

const PRIORITY_RANK: Record<CasePriority, number> = { LOW: 0, NORMAL: 1, HIGH: 2, URGENT: 3 };
const SEVERITY_RANK: Record<Severity, number> = { MINOR: 0, MAJOR: 1, CRITICAL: 2, BLOCKER: 3 };
const rank = (field: ApprovalField, value: string | null): number | null => {
  if (value === null) return null;
  if (field === "priority") return PRIORITY_RANK[value as CasePriority] ?? null;
  if (field === "severity") return SEVERITY_RANK[value as Severity] ?? null;
  return null;
};

function caseMatches(when: ApprovalRule["when"], facts: CaseFacts): boolean {
  if (when.groups && (facts.group === null || !when.groups.includes(facts.group))) return false;
  if (when.types && !when.types.includes(facts.type)) return false;
  if (when.priorities && !when.priorities.includes(facts.priority)) return false;
  return true;
}

/** Whether one changed field is one the rule holds. */
function fieldHeld(when: ApprovalRule["when"], ch: FieldChange): boolean {
  if (when.fields && !when.fields.includes(ch.field)) return false;
  if (when.lowering) {
    const from = rank(ch.field, ch.from);
    const to = rank(ch.field, ch.to);
    // Setting a severity for the first time lowers nothing.
    if (from === null || to === null || to >= from) return false;
  }
  if (when.toStatus && (ch.field !== "status" || !when.toStatus.includes(ch.to as CaseStatus))) return false;
  return true;
}

/**
 * The first rule (in the configured order) that holds part of an agent's change, or null: apply it all.
 * `actor` is the changing agent's key.
 */
export function holdForChange(rules: readonly ApprovalRule[], changes: readonly FieldChange[], facts: CaseFacts, actor: string): Hold | null {
  for (const rule of rules) {
    if (rule.on !== "change") continue;
    const w = rule.when;
    if (w.byAgents && !w.byAgents.includes(actor)) continue;
    if (w.resolutionBreached !== undefined && w.resolutionBreached !== facts.resolutionBreached) continue;
    if (!caseMatches(w, facts)) continue;
    const fields = changes.filter((ch) => fieldHeld(w, ch)).map((ch) => ch.field);
    if (fields.length > 0) return { rule, fields };
  }
  return null;
}

/** The first `open` rule a new case matches, or null. */
export function holdForOpening(rules: readonly ApprovalRule[], facts: CaseFacts): ApprovalRule | null {
  return rules.find((r) => r.on === "open" && caseMatches(r.when, facts)) ?? null;
}

/**
 * Who approves: the rule's agents in order, then the team lead; never the requester (a change is not
 * approved by the one who asked for it) and never an inactive agent. Empty: nobody can approve.
 */
export function approversOf(rule: ApprovalRule, ctx: { agentIdByKey: ReadonlyMap<string, number>; teamLeadId: number | null; requesterId: number | null }): number[] {
  const ids = rule.approvers.agents.map((k) => ctx.agentIdByKey.get(k)).filter((id): id is number => id !== undefined);
  if (rule.approvers.teamLead && ctx.teamLeadId !== null) ids.push(ctx.teamLeadId);
  return [...new Set(ids)].filter((id) => id !== ctx.requesterId);
}

export type Verdict = "approve" | "reject";
export interface Decision {
  agentId: number;
  verdict: Verdict;
  why: string | null;
  at: string;
}
export interface PendingRequest {
  mode: "any" | "all" | "sequential";
  approverIds: readonly number[];
  decisions: readonly Decision[];
}

/** The approvers whose verdict is awaited now: everyone undecided (any, all), or the next one (sequential). */
export function awaitedApprovers(req: PendingRequest): number[] {
  const decided = new Set(req.decisions.map((d) => d.agentId));
  const undecided = req.approverIds.filter((id) => !decided.has(id));
  return req.mode === "sequential" ? undecided.slice(0, 1) : undecided;
}

export type DecideResult =
  | { ok: false; reason: string }
  | { ok: true; outcome: "approved" | "rejected" | "pending"; decisions: Decision[]; next: number[] };

/**
 * A verdict from `agentId`. Any: the first verdict decides. All: one rejection rejects, the last approval
 * approves. Sequential: as all, but in order; an approver whose turn has not come is told so.
 */
export function decide(req: PendingRequest, agentId: number, verdict: Verdict, why: string | null, at: Date): DecideResult {
  if (!req.approverIds.includes(agentId)) return { ok: false, reason: "you are not an approver of this request" };
  if (req.decisions.some((d) => d.agentId === agentId)) return { ok: false, reason: "you have already decided on this request" };
  if (!awaitedApprovers(req).includes(agentId)) return { ok: false, reason: "it is not your turn yet: the approvers decide one after another" };
  if (verdict === "reject" && !why) return { ok: false, reason: "#reject needs a reason: #reject <why>" };
  const decisions = [...req.decisions, { agentId, verdict, why, at: at.toISOString() }];
  if (verdict === "reject") return { ok: true, outcome: "rejected", decisions, next: [] };
  if (req.mode === "any") return { ok: true, outcome: "approved", decisions, next: [] };
  const next = awaitedApprovers({ ...req, decisions });
  return next.length === 0 ? { ok: true, outcome: "approved", decisions, next } : { ok: true, outcome: "pending", decisions, next };
}

export type DueAction = { kind: "remind" } | { kind: "timeout"; action: "reject" | "escalate" } | null;

/** What a pending request needs at `now`: the timeout wins over a reminder that is also due. */
export function dueAction(req: { remindAt: Date | null; timeoutAt: Date | null; onTimeout: string; escalated: boolean }, now: Date): DueAction {
  if (req.timeoutAt !== null && req.timeoutAt <= now) return { kind: "timeout", action: req.onTimeout === "escalate" && !req.escalated ? "escalate" : "reject" };
  if (req.remindAt !== null && req.remindAt <= now) return { kind: "remind" };
  return null;
}

/**
 * Approval rules as pure decisions: which rule holds which part of a change, who approves, what each verdict
 * does in each mode, and when a pending request is reminded or times out.
 */
import { describe, expect, it } from "vitest";
import {
  ApprovalRuleSchema,
  approversOf,
  awaitedApprovers,
  decide,
  dueAction,
  holdForChange,
  holdForOpening,
  type ApprovalRule,
  type CaseFacts,
  type FieldChange,
} from "../../src/approval/approval-rules.ts";
import { parseHelpdeskConfig } from "../../src/config/helpdesk-config.ts";

const rule = (doc: Record<string, unknown>): ApprovalRule => ApprovalRuleSchema.parse({ approvers: { agents: ["lead"] }, ...doc });
const vip: CaseFacts = { group: "vip", type: "INCIDENT", priority: "HIGH", resolutionBreached: false };
const std: CaseFacts = { ...vip, group: "standard" };
const ch = (field: FieldChange["field"], from: string | null, to: string | null): FieldChange => ({ field, from, to });

describe("holdForChange: which rule holds which fields", () => {
  const lowerVip = rule({ key: "vip-lower", when: { fields: ["priority", "sla"], lowering: true, groups: ["vip"] } });
  const lowerVipSla = rule({ key: "vip-sla", when: { fields: ["sla"], groups: ["vip"] } });
  const breachedClose = rule({ key: "breached-close", when: { toStatus: ["RESOLVED", "CLOSED"], resolutionBreached: true } });
  const byDave = rule({ key: "dave", when: { byAgents: ["dave"] } });
  const rules = [lowerVip, lowerVipSla, breachedClose, byDave];

  const table: Array<[string, FieldChange[], CaseFacts, string, string | null, string[]]> = [
    ["lowering a VIP case's priority", [ch("priority", "HIGH", "NORMAL")], vip, "alice", "vip-lower", ["priority"]],
    ["raising it is not held", [ch("priority", "HIGH", "URGENT")], vip, "alice", null, []],
    ["lowering a standard case's priority is not held", [ch("priority", "HIGH", "LOW")], std, "alice", null, []],
    ["a VIP SLA change: lowering has no rank for SLA, the next rule holds it", [ch("sla", "gold", "standard")], vip, "alice", "vip-sla", ["sla"]],
    ["only the held field is held, the rest goes through", [ch("priority", "URGENT", "LOW"), ch("type", "INCIDENT", "PROBLEM")], vip, "alice", "vip-lower", ["priority"]],
    ["closing a breached case", [ch("status", "IN_PROGRESS", "CLOSED")], { ...std, resolutionBreached: true }, "alice", "breached-close", ["status"]],
    ["closing a case within its target", [ch("status", "IN_PROGRESS", "CLOSED")], std, "alice", null, []],
    ["waiting on a breached case is no close", [ch("status", "IN_PROGRESS", "WAITING_ON_CUSTOMER")], { ...std, resolutionBreached: true }, "alice", null, []],
    ["any change by dave", [ch("type", "QUESTION", "INCIDENT"), ch("owner", "1", "2")], std, "dave", "dave", ["type", "owner"]],
    ["the same change by someone else", [ch("type", "QUESTION", "INCIDENT")], std, "erin", null, []],
    ["nothing changed, nothing held", [], vip, "dave", null, []],
  ];
  it.each(table)("%s", (_name, changes, facts, actor, ruleKey, fields) => {
    const hold = holdForChange(rules, changes, facts, actor);
    expect(hold?.rule.key ?? null).toBe(ruleKey);
    expect(hold?.fields ?? []).toEqual(fields);
  });

  it("a severity set for the first time is not lowered", () => {
    const r = rule({ key: "sev", when: { fields: ["severity"], lowering: true } });
    expect(holdForChange([r], [ch("severity", null, "MINOR")], vip, "a")).toBeNull();
    expect(holdForChange([r], [ch("severity", "CRITICAL", "MINOR")], vip, "a")?.fields).toEqual(["severity"]);
  });

  it("open rules never hold changes, change rules never hold openings", () => {
    const open = rule({ key: "vip-problem", on: "open", when: { groups: ["vip"], types: ["PROBLEM"] } });
    expect(holdForChange([open], [ch("priority", "HIGH", "LOW")], vip, "a")).toBeNull();
    expect(holdForOpening([lowerVip, open], { ...vip, type: "PROBLEM" })?.key).toBe("vip-problem");
    expect(holdForOpening([lowerVip, open], vip)).toBeNull();
    expect(holdForOpening([open], { ...std, type: "PROBLEM" })).toBeNull();
  });
});

describe("approversOf", () => {
  const ids = new Map([
    ["lead", 1],
    ["cfo", 2],
  ]);
  it("names the rule's agents, then the team lead, never the requester, never twice", () => {
    const r = rule({ key: "r", approvers: { agents: ["lead", "cfo", "gone"], teamLead: true } });
    expect(approversOf(r, { agentIdByKey: ids, teamLeadId: 7, requesterId: null })).toEqual([1, 2, 7]);
    expect(approversOf(r, { agentIdByKey: ids, teamLeadId: 1, requesterId: 2 })).toEqual([1]);
    expect(approversOf(r, { agentIdByKey: ids, teamLeadId: null, requesterId: 1 })).toEqual([2]);
  });
  it("a rule whose only approver asks gets nobody", () => {
    expect(approversOf(rule({ key: "r" }), { agentIdByKey: ids, teamLeadId: null, requesterId: 1 })).toEqual([]);
  });
});

describe("decide: verdicts per mode", () => {
  const at = new Date("2026-12-02T10:00:00Z");
  it("any: the first verdict decides", () => {
    const req = { mode: "any" as const, approverIds: [1, 2], decisions: [] };
    expect(awaitedApprovers(req)).toEqual([1, 2]);
    expect(decide(req, 2, "approve", null, at)).toMatchObject({ ok: true, outcome: "approved" });
    expect(decide(req, 1, "reject", "too early", at)).toMatchObject({ ok: true, outcome: "rejected" });
  });
  it("all: every approval is needed, one rejection rejects", () => {
    const req = { mode: "all" as const, approverIds: [1, 2, 3], decisions: [] };
    const first = decide(req, 2, "approve", null, at);
    expect(first).toMatchObject({ ok: true, outcome: "pending", next: [1, 3] });
    if (!first.ok) throw new Error("unreachable");
    const second = decide({ ...req, decisions: first.decisions }, 1, "approve", null, at);
    if (!second.ok) throw new Error("unreachable");
    expect(second.outcome).toBe("pending");
    expect(decide({ ...req, decisions: second.decisions }, 3, "approve", null, at)).toMatchObject({ ok: true, outcome: "approved" });
    expect(decide({ ...req, decisions: second.decisions }, 3, "reject", "no", at)).toMatchObject({ ok: true, outcome: "rejected" });
    expect(decide({ ...req, decisions: first.decisions }, 2, "approve", null, at)).toEqual({ ok: false, reason: "you have already decided on this request" });
  });
  it("sequential: in order; a later approver waits for their turn", () => {
    const req = { mode: "sequential" as const, approverIds: [5, 6], decisions: [] };
    expect(awaitedApprovers(req)).toEqual([5]);
    expect(decide(req, 6, "approve", null, at)).toMatchObject({ ok: false, reason: expect.stringContaining("not your turn") });
    const first = decide(req, 5, "approve", null, at);
    expect(first).toMatchObject({ ok: true, outcome: "pending", next: [6] });
  });
  it("only approvers decide, and a rejection needs a reason", () => {
    const req = { mode: "any" as const, approverIds: [1], decisions: [] };
    expect(decide(req, 9, "approve", null, at)).toMatchObject({ ok: false, reason: expect.stringContaining("not an approver") });
    expect(decide(req, 1, "reject", null, at)).toMatchObject({ ok: false, reason: expect.stringContaining("needs a reason") });
  });
});

describe("dueAction: reminders and timeouts", () => {
  const t = (iso: string) => new Date(`2026-12-02T${iso}:00Z`);
  const base = { remindAt: t("10:00"), timeoutAt: t("12:00"), onTimeout: "reject", escalated: false };
  it.each([
    ["before anything is due", base, t("09:59"), null],
    ["the reminder", base, t("10:00"), { kind: "remind" }],
    ["the timeout wins over a reminder still due", base, t("12:00"), { kind: "timeout", action: "reject" }],
    ["escalate once", { ...base, onTimeout: "escalate" }, t("12:30"), { kind: "timeout", action: "escalate" }],
    ["an escalated request that times out again is rejected", { ...base, onTimeout: "escalate", escalated: true }, t("12:30"), { kind: "timeout", action: "reject" }],
    ["no timeout configured", { ...base, remindAt: null, timeoutAt: null }, t("23:00"), null],
  ])("%s", (_name, req, now, expected) => {
    expect(dueAction(req, now)).toEqual(expected);
  });
});

describe("approvalRules in the configuration", () => {
  const base = {
    settings: { defaultArea: "helpdesk" },
    areas: [{ key: "helpdesk", name: "Helpdesk" }],
    mailboxes: [{ key: "support", address: "support@example.com", name: "Support", imap: { host: "127.0.0.1", port: 143, user: "u", password: "p" } }],
    agents: [{ key: "lead", name: "Lead", email: "lead@example.com" }],
  };
  const parse = (rules: unknown[]) => () => parseHelpdeskConfig({ ...base, approvalRules: rules });
  it("accepts a rule and reads durations", () => {
    const cfg = parseHelpdeskConfig({ ...base, approvalRules: [{ key: "r", when: { fields: ["priority"], lowering: true }, approvers: { agents: ["lead"] }, remindAfter: "4h", timeout: "2d" }] });
    expect(cfg.approvalRules[0]).toMatchObject({ on: "change", remindAfter: 240, timeout: 2880, onTimeout: "reject" });
  });
  it.each([
    ["an unknown approver", [{ key: "r", approvers: { agents: ["nobody"] } }], /approvalRules\.0\.approvers\.agents\.0.*unknown agent "nobody"/s],
    ["no approver at all", [{ key: "r", approvers: { agents: [] } }], /approvalRules\.0\.approvers.*name approver agents/s],
    ["a change condition on an open rule", [{ key: "r", on: "open", when: { fields: ["status"] }, approvers: { agents: ["lead"] } }], /approvalRules\.0\.when\.fields.*only for rules on: change/s],
    ["escalation without anyone to escalate to", [{ key: "r", approvers: { agents: ["lead"] }, timeout: "1d", onTimeout: "escalate" }], /approvalRules\.0\.escalateTo/],
    ["a duplicate key", [{ key: "r", approvers: { agents: ["lead"] } }, { key: "r", approvers: { agents: ["lead"] } }], /approvalRules\.1\.key.*duplicate/s],
    ["an unknown field", [{ key: "r", when: { fields: ["colour"] }, approvers: { agents: ["lead"] } }], /approvalRules\.0\.when\.fields\.0/],
  ])("refuses %s, naming the rule", (_name, rules, message) => {
    expect(parse(rules)).toThrow(message);
  });
});

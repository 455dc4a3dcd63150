/**
 * Status flows per case type (src/case/status-flow.ts): the defaults are today's table, a type may replace
 * rows, require fields and an internal note before a status; and the configuration that declares them.
 */
import { describe, expect, it } from "vitest";
import { flowTransition, StatusFlowSchema, type FlowFields } from "../../src/case/status-flow.ts";
import { canTransition, transition } from "../../src/case/status.ts";
import { CASE_STATUSES } from "../../src/kernel/domain-types.ts";
import { configIssues, minimalConfigDoc } from "../support/config-doc.ts";

const none: FlowFields = { severity: null, reason: null, ownerId: null, teamId: null };
const flow = StatusFlowSchema.parse({
  transitions: { NEW: ["ASSIGNED", "IN_PROGRESS"] },
  require: [
    { to: "IN_PROGRESS", fields: ["severity"] },
    { to: "RESOLVED", fields: ["reason", "owner"], internalNote: true },
  ],
});
const go = (from: Parameters<typeof transition>[0], to: Parameters<typeof transition>[0], fields: Partial<FlowFields> = {}, internalNote = false, solution: string | null = "fixed") =>
  flowTransition(flow, "INCIDENT", from, to, { solution, fields: { ...none, ...fields }, internalNote });

describe("a type without a flow", () => {
  it("follows the built-in table exactly, for every pair of statuses", () => {
    for (const from of CASE_STATUSES) for (const to of CASE_STATUSES) {
      expect(flowTransition(undefined, "QUESTION", from, to, { solution: "s", fields: none, internalNote: false })).toEqual(transition(from, to, { solution: "s" }));
      expect(flowTransition(undefined, "QUESTION", from, to, { solution: "s", fields: none, internalNote: false }).ok).toBe(from !== to && canTransition(from, to));
    }
  });
});

describe("an incident's flow", () => {
  it.each<[string, ReturnType<typeof go>, ReturnType<typeof go>]>([
    ["needs a severity before in progress", go("ASSIGNED", "IN_PROGRESS"), { ok: false, reason: "an incident needs a severity (#severity) before in progress" }],
    ["goes in progress with a severity", go("ASSIGNED", "IN_PROGRESS", { severity: "MAJOR" }), { ok: true }],
    ["lists every missing field", go("IN_PROGRESS", "RESOLVED"), { ok: false, reason: "an incident needs a reason (#reason) and an owner (#assign) before resolved" }],
    ["needs an internal note to resolve", go("IN_PROGRESS", "RESOLVED", { reason: "hw", ownerId: 1 }), { ok: false, reason: "an incident needs an internal note to go to resolved: write it in the same reply, starting with #internal" }],
    ["resolves with fields and note", go("IN_PROGRESS", "RESOLVED", { reason: "hw", ownerId: 1 }, true), { ok: true }],
    ["a replaced row refuses what it does not list", go("NEW", "RESOLVED", { reason: "hw", ownerId: 1 }, true), { ok: false, reason: "an incident cannot go from new to resolved" }],
    ["rows not replaced stay built-in", go("WAITING_ON_CUSTOMER", "CLOSED"), { ok: true }],
    ["a solution is still required", go("IN_PROGRESS", "CLOSED", {}, false, null), { ok: false, reason: "a solution is required to close" }],
    ["closed stays final", go("CLOSED", "IN_PROGRESS"), { ok: false, reason: "the case is closed, which is final; follow-up work goes into a new linked case" }],
  ])("%s", (_name, got, expected) => {
    expect(got).toEqual(expected);
  });
});

describe("status flows in the configuration", () => {
  it("accepts flows per type and rejects what would break the table's invariants, naming the field", () => {
    expect(configIssues(minimalConfigDoc({ statusFlows: { INCIDENT: { require: [{ to: "IN_PROGRESS", fields: ["severity"] }] }, PROBLEM: { require: [{ to: "RESOLVED", fields: ["reason"] }] } } }))).toEqual([]);
    expect(configIssues(minimalConfigDoc({ statusFlows: { INCIDENT: { transitions: { CLOSED: ["NEW"], NEW: ["NEW"] } } } }))).toEqual([
      "statusFlows.INCIDENT.transitions.CLOSED: CLOSED is final: it allows no transition",
      "statusFlows.INCIDENT.transitions.NEW: NEW → NEW is not a transition",
    ]);
    expect(configIssues(minimalConfigDoc({ statusFlows: { BUG: {} } }))[0]).toContain("statusFlows");
    expect(configIssues(minimalConfigDoc({ statusFlows: { INCIDENT: { require: [{ to: "RESOLVED", fields: ["colour"] }] } } }))[0]).toContain("statusFlows.INCIDENT.require.0.fields.0");
  });
});

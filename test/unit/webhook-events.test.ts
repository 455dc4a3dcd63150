import { describe, expect, it } from "vitest";
import type { CaseEvent } from "../../src/case/case-events.ts";
import { webhookEventOf } from "../../src/case/webhook-events.ts";

describe("which case events are webhook events", () => {
  const cases: Array<[string, CaseEvent, ReturnType<typeof webhookEventOf>]> = [
    [
      "a case opened by an agent",
      { type: "case.created", data: { inboundId: null, forwardedBy: null, routing: [], sla: null, threading: "new", by: "agent:3" } },
      { event: "case.created", data: { by: "agent:3", clonedFrom: null } },
    ],
    [
      "a case opened by mail",
      { type: "case.created", data: { inboundId: 9, forwardedBy: null, routing: ["x"], sla: null, threading: "new" } },
      { event: "case.created", data: { by: "mail", clonedFrom: null } },
    ],
    [
      "a post, without its body",
      { type: "post.added", data: { postId: 12, by: "contact:4", visibility: "PUBLIC", rule: "reply-token", automatic: null } },
      { event: "post.added", data: { postId: 12, by: "contact:4", visibility: "PUBLIC", automatic: null } },
    ],
    ["a status change", { type: "case.changed", data: { field: "status", from: "NEW", to: "RESOLVED", by: "agent:1" } }, { event: "case.status-changed", data: { from: "NEW", to: "RESOLVED", by: "agent:1" } }],
    ["another field's change", { type: "case.changed", data: { field: "priority", from: "LOW", to: "HIGH", by: "agent:1" } }, null],
    [
      "an SLA breach",
      { type: "sla.breached", data: { metric: "RESOLUTION", dueAt: "2026-12-02T10:00:00.000Z", at: "2026-12-02T10:00:05.000Z", recipients: ["owner:a@x.test"] } },
      { event: "sla.breached", data: { metric: "RESOLUTION", dueAt: "2026-12-02T10:00:00.000Z", at: "2026-12-02T10:00:05.000Z" } },
    ],
    [
      "a case created by an import, without the operator's file path",
      { type: "case.imported", data: { source: "/home/ops/cases-2025.csv", line: 7, externalId: "ZD-1001", updated: null } },
      { event: "case.imported", data: { externalId: "ZD-1001", line: 7, updated: null } },
    ],
    [
      "a case updated by a second import",
      { type: "case.imported", data: { source: "/home/ops/cases-2025.csv", line: 9, externalId: "ZD-1002", updated: ["status", "priority"] } },
      { event: "case.imported", data: { externalId: "ZD-1002", line: 9, updated: "status,priority" } },
    ],
    ["a notification plan (internal)", { type: "notifications.planned", data: { postId: 1, recipients: ["a@x.test"] } }, null],
  ];
  it.each(cases)("%s", (_what, event, expected) => {
    expect(webhookEventOf(event)).toEqual(expected);
  });
});

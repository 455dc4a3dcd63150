/**
 * Which audit events of a case are webhook events, and under what name. Pure: `recordEvents` uses it to
 * write the webhook outbox in the transaction of the change itself, so an event committed is an event
 * delivered (a crash after the commit loses nothing; a rolled-back change sends nothing).
 *
 * The names are a contract with receivers: never rename one.
 */
import type { CaseEvent } from "./case-events.ts";

export const WEBHOOK_EVENTS = ["case.created", "post.added", "case.status-changed", "sla.warning", "sla.breached", "case.imported"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The webhook event an audit event is, with the data a receiver gets; null for events not published. */
export function webhookEventOf(e: CaseEvent): { event: WebhookEvent; data: Record<string, string | number | boolean | null> } | null {
  switch (e.type) {
    case "case.created":
      return { event: "case.created", data: { by: e.data.by ?? "mail", clonedFrom: e.data.clonedFrom ?? null } };
    case "post.added":
      // No body: the receiver fetches the post through the API with a token whose agent may see it.
      return { event: "post.added", data: { postId: e.data.postId, visibility: e.data.visibility, by: e.data.by, automatic: e.data.automatic ?? null } };
    case "case.changed":
      return e.data.field === "status" ? { event: "case.status-changed", data: { from: e.data.from, to: e.data.to, by: e.data.by } } : null;
    case "sla.warning":
    case "sla.breached":
      return { event: e.type, data: { metric: e.data.metric, dueAt: e.data.dueAt, at: e.data.at } };
    case "case.imported":
      // Not the source file's path: that is the operator's machine, not the receiver's business.
      return { event: "case.imported", data: { externalId: e.data.externalId, line: e.data.line, updated: e.data.updated === null ? null : e.data.updated.join(",") } };
    default:
      return null;
  }
}

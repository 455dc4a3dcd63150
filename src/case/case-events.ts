/**
 * The audit trail of a case: every kind of event as one typed union, written by one function.
 *
 * Events are the case's history for agents (`mailcase case N`), for reports, and for the webhooks and
 * automation to come: a type or field written by one path and read under another name by another is how an
 * audit trail rots, so nothing writes CaseEvent rows except `recordEvents`. The `type` strings are stored
 * data: renaming one needs a migration of existing rows.
 */
import type { Prisma } from "../generated/prisma/client.ts";
import { webhookEventOf } from "./webhook-events.ts";

type Tx = Prisma.TransactionClient;
type Scalar = string | number | boolean | null;

/** Who did it: "agent:3", "contact:7", "system". */
export type Actor = string;

export type CaseEvent =
  | {
      type: "case.created";
      data: {
        inboundId: number | null;
        forwardedBy: number | null;
        routing: string[];
        sla: { firstResponseDueAt: string | null; resolutionDueAt: string | null } | null;
        threading: string;
        /** The agent who opened it in Mailcase (CLI, API), when not by mail; absent for mail. */
        by?: Actor;
        /** The case it was cloned from. */
        clonedFrom?: number | null;
      };
    }
  /** One field changed; `from`/`to` as stored (enum names, ids, text). */
  | { type: "case.changed"; data: { field: string; from: Scalar; to: Scalar; by: Actor } }
  /** Another case was opened linked to this one (e.g. a customer replied to it after it was closed). */
  | { type: "case.linked"; data: { caseId: number; number: number; reason: string; by?: Actor } }
  /** Marked related (or no longer related) to another case, recorded on both. */
  | { type: "case.related"; data: { caseId: number; number: number; related: boolean; by: Actor } }
  /**
   * This case was merged into `into` (and closed): its posts, contacts, followers and message references
   * moved there, so later mail about it lands on the survivor. Recorded on the merged case.
   */
  | { type: "case.merged"; data: { into: number; number: number; by: Actor; posts: number; messageRefs: number; contacts: number; followers: number } }
  /** Another case was merged into this one (the survivor). */
  | { type: "case.merged-from"; data: { from: number; number: number; by: Actor; posts: number; messageRefs: number; contacts: number; followers: number } }
  /** Written or updated by `mailcase import cases`: `updated` lists the fields a re-import changed (null: created). */
  | { type: "case.imported"; data: { source: string; line: number; externalId: string; updated: string[] | null } }
  /** An agent started or stopped following the case. */
  | { type: "follower.changed"; data: { agentId: number; following: boolean; by: Actor } }
  | {
      type: "post.added";
      data: {
        postId: number | null;
        by: Actor;
        visibility: string;
        rule: string;
        /** Why the post's mail was automatic (bounce, auto-reply), null for a human's. */
        automatic?: string | null;
        /** The agent who forwarded the customer's mail, when it came that way. */
        forwardedBy?: number | null;
        /** The commands of an agent's reply, as described back to agents. */
        commands?: string[];
      };
    }
  /** An agent's reply with commands only (no text): nothing was posted. */
  | { type: "agent.commands"; data: { postId: null; by: Actor; visibility: string; commands: string[]; rule: string } }
  /** A case's solution became a Draft knowledge base article (`#solution`, or `#close`/`#resolve` with `#kb`). */
  | { type: "kb.draft"; data: { articleId: number; key: string; language: string; created: boolean; by: Actor } }
  /** A step of the article's review by mail (src/kb/kb-review.service.ts): asked, published or sent back. */
  | { type: "kb.review"; data: { articleId: number; step: "requested" | "unassigned" | "published" | "rejected"; by: Actor; reviewers?: number[]; portals?: string[]; why?: string } }
  /** Mail on an agent's reply address that was refused (forged From, or commands in error). */
  | { type: "agent-reply.rejected"; data: { inboundId: number; from: string | null; reason?: string; reasons?: string[] } }
  /** Addresses of the case marked as bouncing after a bounce of our own mail. */
  | { type: "contact.bouncing"; data: { addresses: string[]; inboundId: number } }
  | { type: "notifications.planned"; data: { postId: number; recipients: string[] } }
  | { type: "notifications.suppressed"; data: { postId: number; reason: string; recipients: string[] } }
  | { type: "mail.failed"; data: { outboundId: number; to: string; kind: string; error: string; permanent: boolean } }
  | {
      type: "sla.recomputed";
      data: {
        by: Actor;
        target: string;
        elapsedBusinessMinutes: number;
        paused: boolean;
        firstResponseDueAt: string | null;
        nextResponseDueAt: string | null;
        resolutionDueAt: string | null;
      };
    }
  | { type: "sla.warning" | "sla.breached"; data: { metric: string; dueAt: string; at: string; superseded?: boolean; recipients: string[] } }
  /** A change (or the new case) is held for approval (src/approval): the fields wait for the approvers. */
  | { type: "approval.requested"; data: { requestId: number; rule: string; kind: string; fields: string[]; approvers: number[]; mode: string; by: Actor } }
  /** An approver's verdict; `outcome` is the request's state after it ("pending" while others must decide). */
  | { type: "approval.decided"; data: { requestId: number; verdict: string; outcome: string; by: Actor; why: string | null; applied?: string[]; error?: string } }
  | { type: "approval.reminded"; data: { requestId: number; approvers: number[] } }
  /** Undecided in time and handed to the rule's escalateTo agents. */
  | { type: "approval.escalated"; data: { requestId: number; approvers: number[] } }
  /** A follow-up reminder to the customer while the case waits on them (`waitingSince`: the cadence's anchor). */
  | { type: "followup.reminded"; data: { waitingSince: string; step: number; at: string; recipients: string[] } }
  /** The last reminder went unanswered: the configured action was taken (`status`: the case's new status, if any). */
  | { type: "followup.gave-up"; data: { waitingSince: string; action: string; status: string | null; at: string; recipients: string[] } }
  /** The owner was nudged: no agent acted on the case since `since`. */
  | { type: "nudge.sent"; data: { since: string; at: string; recipients: string[] } }
  /** The solution was mailed to the customer on resolving or closing, with satisfaction links. */
  | { type: "resolution.mailed"; data: { status: string; at: string; recipients: string[]; links: boolean } }
  /** The customer rated the case (once), or added their comment to the rating. */
  | { type: "satisfaction.rated"; data: { rating: "GOOD" | "BAD"; by: Actor; notified: string[] } }
  | { type: "satisfaction.commented"; data: { rating: "GOOD" | "BAD"; by: Actor; comment: string } };

export type CaseEventType = CaseEvent["type"];

/**
 * Writes events of one case in the caller's transaction, in one statement. `at`: the event time when it is
 * not the database's now (an injected clock, e.g. SLA jobs).
 */
export async function recordEvents(tx: Tx, caseId: number, events: readonly CaseEvent[], at?: Date): Promise<void> {
  if (events.length === 0) return;
  const rows = eventRows(events);
  await tx.caseEvent.createMany({ data: rows.events.map((e) => ({ caseId, ...e, ...(at ? { createdAt: at } : {}) })) });
  // The webhook outbox, in the same transaction (src/pipeline/webhook fans it out to the subscriptions).
  if (rows.webhooks.length) await tx.webhookOutbox.createMany({ data: rows.webhooks.map((w) => ({ caseId, ...w, ...(at ? { createdAt: at } : {}) })) });
}

/**
 * The CaseEvent rows of events and the WebhookOutbox rows they publish. For `recordEvents`, and for the one
 * writer that inserts them inside a larger statement (outbox.ts writeNotified): both write the same rows.
 */
export function eventRows(events: readonly CaseEvent[]): {
  events: Array<{ type: CaseEventType; data: CaseEvent["data"] }>;
  webhooks: Array<{ event: string; data: Record<string, Scalar> }>;
} {
  return {
    events: events.map((e) => ({ type: e.type, data: e.data })),
    webhooks: events.flatMap((e) => {
      const w = webhookEventOf(e);
      return w ? [{ event: w.event, data: w.data }] : [];
    }),
  };
}

/** A stored value as an audit scalar. */
export function auditValue(v: unknown): Scalar {
  return v === undefined || v === null ? null : typeof v === "number" || typeof v === "boolean" ? v : String(v);
}

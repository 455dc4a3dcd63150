/**
 * The outbox: the one writer of OutboundMail rows. Every mail Mailcase sends (acknowledgements, notices,
 * notifications, agents' answers, SLA escalations) is a draft turned into a row here, in the caller's
 * transaction; the send stage delivers rows after the commit.
 *
 * One place decides what every row carries: the Message-ID (deterministic, in the sending mailbox's domain,
 * lower-cased), the dedupe key that makes a retried job write nothing twice, the threading headers, and
 * Auto-Submitted (by kind and cause, see compose.ts).
 */
import { z } from "zod";
import type { DbOrTx } from "../db/client.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { OUTBOUND_KINDS, type OutboundKind } from "../kernel/domain-types.ts";
import { eventRows, type CaseEvent } from "./case-events.ts";
import { composeHeaders } from "./compose.ts";

type Tx = Prisma.TransactionClient;

export interface OutboundDraft {
  kind: OutboundKind;
  /** Null only for a notice about mail that never became a case. */
  caseId: number | null;
  postId: number | null;
  /** Distinguishes the recipients of one event (`a3`, `c7`, `in12` …): part of Message-ID and dedupe key. */
  recipientKey: string;
  to: { address: string; agentId?: number | null; contactId?: number | null };
  /** The sending mailbox; its domain is the Message-ID's. */
  from: { address: string; name: string };
  replyTo: string | null;
  rendered: { subject: string; text: string; html: string | null };
  /** Message-IDs of the case's thread, root first, and the message this mail answers (if any). */
  threadIds: readonly string[];
  parentId: string | null;
  /**
   * Index the mail's Message-ID for threading, so a reply to it lands on the case. Not for mail whose
   * answers are threaded otherwise (agents' signed reply addresses) or must not be filed on the case.
   */
  threadReplies: boolean;
  /** Customer attachments (PostAttachment ids) to send with the mail (agents' notices). */
  attachmentIds?: readonly number[];
}

/** Domain of the sending mailbox, where our Message-IDs live. */
export const messageIdDomain = (mailboxAddress: string): string => mailboxAddress.slice(mailboxAddress.lastIndexOf("@") + 1).toLowerCase();

export function outboundRow(d: OutboundDraft): Prisma.OutboundMailCreateManyInput {
  const composed = composeHeaders({
    kind: d.kind,
    caseId: d.caseId ?? 0,
    postId: d.postId,
    recipientKey: d.recipientKey,
    domain: messageIdDomain(d.from.address),
    threadIds: d.threadIds,
    parentId: d.parentId,
  });
  return {
    dedupeKey: composed.dedupeKey,
    messageId: composed.messageId,
    kind: d.kind,
    caseId: d.caseId,
    postId: d.postId,
    recipientAgentId: d.to.agentId ?? null,
    recipientContactId: d.to.contactId ?? null,
    fromAddress: d.from.address,
    fromName: d.from.name,
    toAddress: d.to.address,
    replyTo: d.replyTo,
    subject: d.rendered.subject,
    text: d.rendered.text,
    html: d.rendered.html,
    inReplyTo: composed.inReplyTo,
    references: composed.references,
    headers: composed.headers,
    attachmentIds: [...(d.attachmentIds ?? [])],
  };
}

/**
 * Writes the drafts (a draft already written by an earlier try is skipped) and returns how many rows are
 * new and all of them still waiting to be sent, for the caller to enqueue after its commit.
 */
export async function writeOutbound(tx: Tx, drafts: readonly OutboundDraft[]): Promise<{ written: number; pending: Array<{ id: number; kind: OutboundKind }> }> {
  if (drafts.length === 0) return { written: 0, pending: [] };
  const rows = drafts.map(outboundRow);
  const created = await tx.outboundMail.createManyAndReturn({ data: rows, skipDuplicates: true, select: { id: true, kind: true } });
  const refs = rows.flatMap((r, i) => (drafts[i]!.threadReplies && r.caseId != null ? [{ messageId: r.messageId, caseId: r.caseId, direction: "out" as const }] : []));
  if (refs.length) await tx.messageRef.createMany({ data: refs, skipDuplicates: true });
  // Every draft new (the usual case): the rows just written are the pending ones, no second read. Some written
  // by an earlier try: those may have been sent since, so ask which still wait.
  const pending =
    created.length === rows.length
      ? [...created].sort((a, b) => a.id - b.id)
      : await tx.outboundMail.findMany({ where: { dedupeKey: { in: rows.map((r) => r.dedupeKey) }, status: "PENDING" }, select: { id: true, kind: true }, orderBy: { id: "asc" } });
  return { written: created.length, pending };
}

/**
 * A post's notifications in ONE statement, without a transaction around it: the post's notifiedAt guard, its
 * outbox rows, their thread references and the case's events. A single statement is atomic on its own, so
 * the guard commits with the rows or not at all; each insert runs only when the guard's UPDATE took the post
 * (its row lock serialises two notifiers of the same post: the second waits, then finds notifiedAt set and
 * writes nothing). Before, the same took BEGIN, the guard, the outbox insert, the references, the events and
 * COMMIT: six statements.
 *
 * `claimed` false: another notifier planned this post first, nothing was written. `created`: the rows this
 * statement inserted, in id order (a draft whose dedupe key exists already is skipped, as in writeOutbound).
 */
export async function writeNotified(
  db: DbOrTx,
  guard: { postId: number; at: Date },
  caseId: number,
  drafts: readonly OutboundDraft[],
  events: readonly CaseEvent[],
): Promise<{ claimed: boolean; created: Array<{ id: number; kind: OutboundKind }> }> {
  const rows = drafts.map(outboundRow);
  const refs = rows.flatMap((r, i) => (drafts[i]!.threadReplies && r.caseId != null ? [{ messageId: r.messageId, caseId: r.caseId }] : []));
  const { events: evs, webhooks } = eventRows(events);
  // Prisma stamps createdAt with the process's clock (not the injected one); so does this writer.
  const stamp = new Date().toISOString();
  const raw = await db.$queryRawUnsafe<unknown[]>(
    WRITE_NOTIFIED,
    guard.at.toISOString(),
    guard.postId,
    JSON.stringify(rows.map((r, ord) => ({ ...r, ord }))),
    JSON.stringify(refs),
    JSON.stringify(evs.map((e, ord) => ({ ...e, ord }))),
    JSON.stringify(webhooks.map((w, ord) => ({ ...w, ord }))),
    caseId,
    stamp,
  );
  return Written.parse(raw[0]);
}

const Written = z.object({ claimed: z.boolean(), created: z.array(z.object({ id: z.number().int(), kind: z.enum(OUTBOUND_KINDS) })) });

const WRITE_NOTIFIED = `
WITH claim AS (
  UPDATE "Post" SET "notifiedAt" = $1::timestamp(3) WHERE id = $2 AND "notifiedAt" IS NULL RETURNING id
),
ob AS (
  INSERT INTO "OutboundMail" ("dedupeKey", "messageId", kind, "caseId", "postId", "recipientAgentId", "recipientContactId", "fromAddress",
    "fromName", "toAddress", "replyTo", subject, text, html, "inReplyTo", "references", headers, "attachmentIds", "createdAt")
  SELECT t."dedupeKey", t."messageId", t.kind, t."caseId", t."postId", t."recipientAgentId", t."recipientContactId", t."fromAddress",
    t."fromName", t."toAddress", t."replyTo", t.subject, t.text, t.html, t."inReplyTo", COALESCE(t."references", '{}'), t.headers,
    COALESCE(t."attachmentIds", '{}'), $8::timestamp(3)
  FROM jsonb_to_recordset($3::jsonb) AS t("dedupeKey" text, "messageId" text, kind "OutboundKind", "caseId" int, "postId" int,
    "recipientAgentId" int, "recipientContactId" int, "fromAddress" text, "fromName" text, "toAddress" text, "replyTo" text, subject text,
    text text, html text, "inReplyTo" text, "references" text[], headers jsonb, "attachmentIds" int[], ord int)
  WHERE EXISTS (SELECT 1 FROM claim)
  ORDER BY t.ord
  ON CONFLICT DO NOTHING
  RETURNING id, kind
),
refs AS (
  INSERT INTO "MessageRef" ("messageId", "caseId", direction, "createdAt")
  SELECT r."messageId", r."caseId", 'out', $8::timestamp(3) FROM jsonb_to_recordset($4::jsonb) AS r("messageId" text, "caseId" int)
  WHERE EXISTS (SELECT 1 FROM claim)
  ON CONFLICT DO NOTHING
),
ev AS (
  INSERT INTO "CaseEvent" ("caseId", type, data, "createdAt")
  SELECT $7, e.type, e.data, $8::timestamp(3) FROM jsonb_to_recordset($5::jsonb) AS e(type text, data jsonb, ord int)
  WHERE EXISTS (SELECT 1 FROM claim)
  ORDER BY e.ord
),
wh AS (
  INSERT INTO "WebhookOutbox" ("caseId", event, data, "createdAt")
  SELECT $7, w.event, w.data, $8::timestamp(3) FROM jsonb_to_recordset($6::jsonb) AS w(event text, data jsonb, ord int)
  WHERE EXISTS (SELECT 1 FROM claim)
  ORDER BY w.ord
)
SELECT EXISTS (SELECT 1 FROM claim) AS claimed,
  COALESCE((SELECT json_agg(json_build_object('id', ob.id, 'kind', ob.kind) ORDER BY ob.id) FROM ob), '[]'::json) AS created`;

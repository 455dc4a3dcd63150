/**
 * The outbox: the one writer of OutboundMail rows. Every mail Mailcase sends (acknowledgements, notices,
 * notifications, agents' answers, SLA escalations) is a draft turned into a row here, in the caller's
 * transaction; the send stage delivers rows after the commit.
 *
 * One place decides what every row carries: the Message-ID (deterministic, in the sending mailbox's domain,
 * lower-cased), the dedupe key that makes a retried job write nothing twice, the threading headers, and
 * Auto-Submitted (by kind and cause, see compose.ts).
 */
import type { Prisma } from "../generated/prisma/client.ts";
import type { OutboundKind } from "../kernel/domain-types.ts";
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

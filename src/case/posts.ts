/**
 * Posts on a case's stream: the one writer of Post rows (with their files and their audit event), and what a
 * customer's post does to the case (resume or reopen it, start the next-response clock). Mail, the portal and
 * the API add posts through here, so a post from any channel behaves the same.
 */
import type { Prisma } from "../generated/prisma/client.ts";
import type { PostSource, Visibility } from "../kernel/domain-types.ts";
import type { ParsedAttachment } from "../parsing/parsed-message.ts";
import { recomputeSlaDue } from "../sla/sla.service.ts";
import { changeCase, type ConfigParts } from "./case-change.ts";
import { recordEvents, type Actor, type CaseEvent } from "./case-events.ts";
import { onCustomerReply, type ClosedReplyPolicy } from "./status.ts";

type Tx = Prisma.TransactionClient;

export interface NewPost {
  caseId: number;
  visibility: Visibility;
  source: PostSource;
  /** Null for a post the system writes (e.g. "delivery failed"). */
  author: { agentId: number } | { contactId: number } | null;
  /** The agent a private note is addressed to. */
  addresseeAgentId?: number | null;
  /** The contact a private message is addressed to (only they, and agents, may read it). */
  addresseeContactId?: number | null;
  subject: string;
  body: string;
  /** The inbound message the post was filed from (unique: a message becomes at most one post). */
  inboundId?: number | null;
  /** How it was threaded onto the case ("new-case", "reply-token", "in-reply-to" …). */
  threadRule: string;
  attachments?: readonly ParsedAttachment[];
  /** The message's Message-ID, indexed so replies to it thread onto this case. */
  messageId?: string | null;
}

/** Writes a post, its attachments and its Message-ID index. The audit event is the caller's (it knows why). */
export async function writePost(tx: Tx, p: NewPost): Promise<{ id: number }> {
  const post = await tx.post.create({
    data: {
      caseId: p.caseId,
      visibility: p.visibility,
      source: p.source,
      ...(p.author === null ? {} : "agentId" in p.author ? { authorAgentId: p.author.agentId } : { authorContactId: p.author.contactId }),
      addresseeAgentId: p.addresseeAgentId ?? null,
      addresseeContactId: p.addresseeContactId ?? null,
      subject: p.subject.slice(0, 998),
      body: p.body,
      inboundId: p.inboundId ?? null,
      threadRule: p.threadRule,
    },
    select: { id: true },
  });
  await saveAttachments(tx, post.id, p.attachments ?? []);
  if (p.messageId) await addMessageRef(tx, p.caseId, p.messageId);
  return post;
}

/** Writes a post and its `post.added` event. */
export async function addPost(tx: Tx, p: NewPost, event: Omit<Extract<CaseEvent, { type: "post.added" }>["data"], "postId" | "visibility" | "rule">): Promise<{ id: number }> {
  const post = await writePost(tx, p);
  await recordEvents(tx, p.caseId, [{ type: "post.added", data: { postId: post.id, visibility: p.visibility, rule: p.threadRule, ...event } }]);
  return post;
}

/**
 * Keeps a post's files. Content is stored once per SHA-256 (the same logo in every signature, the same PDF
 * sent to three cases): skipDuplicates makes a second copy a no-op.
 */
export async function saveAttachments(tx: Tx, postId: number, attachments: readonly ParsedAttachment[]): Promise<void> {
  if (attachments.length === 0) return;
  const unique = new Map(attachments.map((a) => [a.sha256, a]));
  await tx.blob.createMany({ data: [...unique.values()].map((a) => ({ sha256: a.sha256, size: a.size, data: new Uint8Array(a.content) })), skipDuplicates: true });
  await tx.postAttachment.createMany({
    data: attachments.map((a) => ({ postId, sha256: a.sha256, filename: a.filename, originalFilename: a.originalFilename, contentType: a.contentType, contentId: a.contentId, inline: a.inline, size: a.size })),
  });
}

/** Indexes a message's id for threading; skipDuplicates because one message may reach several mailboxes. */
export async function addMessageRef(tx: Tx, caseId: number, messageId: string): Promise<void> {
  await tx.messageRef.createMany({ data: [{ messageId, caseId, direction: "in" }], skipDuplicates: true });
}

/**
 * What a customer's post on an existing case does besides the post itself: a waiting case resumes, a resolved
 * one reopens (a closed one only under the "reopen" policy: the caller opens a linked case otherwise), and
 * the next-response clock starts. Automatic mail changes nothing. Returns a warning when the status rules
 * refused the change (the post stands either way).
 */
export async function customerPosted(
  tx: Tx,
  caseId: number,
  /** `settings`, `contracts`: the caller's in-memory configuration (no configuration read per message). */
  ctx: { by: Actor; now: Date; automatic: boolean; closedReply: ClosedReplyPolicy; status: Parameters<typeof onCustomerReply>[0] } & ConfigParts,
): Promise<{ warning: string | null }> {
  let warning: string | null = null;
  const action = onCustomerReply(ctx.status, { closedReply: ctx.closedReply }, { automatic: ctx.automatic });
  if (action.action === "resume" || action.action === "reopen") {
    const changed = await changeCase(tx, caseId, { status: action.to }, { by: ctx.by, now: ctx.now, policyReopen: true, settings: ctx.settings, contracts: ctx.contracts });
    if (!changed.ok) warning = changed.reason;
  }
  if (!ctx.automatic) await recomputeSlaDue(tx, caseId, ctx.now, null, { contracts: ctx.contracts });
  return { warning };
}

/**
 * Sends one outbox row. The row's status is the guard (PENDING → SENDING → SENT | FAILED, or back to
 * PENDING on a transient error). The SENDING claim is what keeps two jobs for the same row (a sweeper
 * re-enqueue after Redis lost its queues, a stalled-job retry) from both talking SMTP at once; a claim older
 * than CLAIM_LEASE_MS belongs to a sender that died and may be taken over. The Message-ID is the row's
 * deterministic id, so if a crash between SMTP acceptance and the status update causes a resend, the copy is
 * recognisable as the same message by every mail client.
 */
import { UnrecoverableError } from "bullmq";
import type { Deps } from "../../kernel/deps.ts";
import { enqueueNotify } from "../notify/notify.job.ts";
import { isPermanentDeliveryError } from "./delivery-error.ts";
import type { Transport } from "./transport.ts";
import { z } from "zod";
import { recordEvents } from "../../case/case-events.ts";
import { addPost } from "../../case/posts.ts";

export type SendOutcome = { kind: "missing" } | { kind: "not-pending"; status: string } | { kind: "sent"; response: string };

/** Longer than the transport's connection + socket timeouts together, so a live sender never loses its claim. */
export const CLAIM_LEASE_MS = 2 * 60_000;

const Headers = z.record(z.string(), z.string());

export async function sendOutbound(deps: Deps, transport: Transport, outboundId: number, finalAttempt: boolean): Promise<SendOutcome> {
  const now = deps.clock.now();
  const stale = new Date(now.getTime() - CLAIM_LEASE_MS);
  // The common case (anything but a coalesced update) claims and reads the row in one statement.
  const claimed = await claimDirect(deps, outboundId, now, stale);
  const row = claimed ?? (await deps.db.outboundMail.findUnique({ where: { id: outboundId } }));
  if (!row) return { kind: "missing" };
  if (row.status !== "PENDING" && row.status !== "SENDING") return { kind: "not-pending", status: row.status };
  const batch = claimed ? [claimed] : row.kind === "UPDATE" && row.caseId !== null ? await claimUpdates(deps, row.caseId, row.toAddress, outboundId, now, stale) : [];
  if (batch.length === 0) {
    // Held by another sender's claim that has not lapsed: a live one finishes it, but one killed mid-SMTP leaves
    // it SENDING until the lease lapses. Completing this job would strand such a row for as long as BullMQ keeps
    // the completed job (the sweeper's re-enqueue reuses the job id and is dropped), so the job retries with
    // backoff until the row is sent (it then ends as not-pending) or its claim lapses and this job takes it.
    if (!finalAttempt) throw new Error(`outbound ${outboundId} is claimed by another sender: retried until sent or the claim lapses`);
    return { kind: "not-pending", status: "SENDING" };
  }
  const ids = batch.map((r) => r.id);
  const first = batch[0]!;
  const last = batch.at(-1)!;
  // An agent's answer carries the files the agent attached (inline images keep their Content-ID). Agents'
  // notices carry the customer files their plan chose (small ones; larger ones are linked in the text), for
  // every update of a coalesced batch.
  const noticeFiles = [...new Set(batch.flatMap((r) => r.attachmentIds))];
  const files =
    row.kind === "REPLY" && row.postId !== null
      ? await deps.db.postAttachment.findMany({ where: { postId: row.postId }, include: { blob: true }, orderBy: { id: "asc" } })
      : noticeFiles.length
        ? (await deps.db.postAttachment.findMany({ where: { id: { in: noticeFiles } }, include: { blob: true }, orderBy: { id: "asc" } })).map((f) => ({ ...f, contentId: null, inline: false }))
        : [];
  const mail = batch.length === 1 ? row : await combineUpdates(deps, batch);
  try {
    const info = await transport.sendMail({
      messageId: `<${first.messageId}>`,
      from: { name: first.fromName, address: first.fromAddress },
      // Address objects, never strings: nodemailer splits a string on "," and ";" into several recipients.
      to: { name: "", address: row.toAddress },
      replyTo: mail.replyTo ?? undefined,
      subject: mail.subject,
      text: mail.text,
      html: mail.html ?? undefined,
      inReplyTo: last.inReplyTo ? `<${last.inReplyTo}>` : undefined,
      references: last.references.map((r) => `<${r}>`),
      headers: Headers.parse(first.headers),
      attachments: files.map((f) => ({
        filename: f.filename ?? undefined,
        content: Buffer.from(f.blob.data),
        contentType: f.contentType,
        cid: f.contentId ?? undefined,
        contentDisposition: f.inline ? ("inline" as const) : ("attachment" as const),
      })),
      // Bounces must come back to the support mailbox so they can be filed on the case.
      envelope: { from: first.fromAddress, to: [{ name: "", address: row.toAddress }] },
    });
    await deps.db.outboundMail.updateMany({
      where: { id: { in: ids }, status: "SENDING" },
      data: { status: "SENT", sentAt: deps.clock.now(), attempts: { increment: 1 }, lastError: batch.length > 1 ? `sent in one mail with ${ids.join(", ")}` : null },
    });
    return { kind: "sent", response: String(info.response ?? "") };
  } catch (err) {
    const permanent = isPermanentDeliveryError(err);
    const message = (err as Error).message;
    if (permanent || finalAttempt) {
      await deps.db.$transaction(async (tx) => {
        await tx.outboundMail.updateMany({ where: { id: { in: ids }, status: "SENDING" }, data: { status: "FAILED", attempts: { increment: 1 }, lastError: message } });
        if (row.caseId !== null) await recordEvents(tx, row.caseId, [{ type: "mail.failed", data: { outboundId, to: row.toAddress, kind: row.kind, error: message, permanent } }]);
      });
      if (permanent && row.caseId !== null) await recordFailureOnCase(deps, row.caseId, row.toAddress, row.kind, message);
      if (permanent) throw new UnrecoverableError(`permanent delivery failure to ${row.toAddress}: ${message}`);
    } else {
      // Release the claim so the retry (or the sweeper, should the job be lost) can take the rows again.
      await deps.db.outboundMail.updateMany({ where: { id: { in: ids }, status: "SENDING" }, data: { status: "PENDING", claimedAt: null, attempts: { increment: 1 }, lastError: message } });
    }
    throw err;
  }
}

type Row = NonNullable<Awaited<ReturnType<Deps["db"]["outboundMail"]["findUnique"]>>>;

/**
 * Claims a row that is sent on its own (every kind but a coalesced UPDATE): PENDING, or SENDING under a claim
 * older than the lease, becomes SENDING, and the row comes back in the same statement. Null: not claimable
 * this way (missing, sent, claimed by a live sender, or an UPDATE of a case), and the caller reads the row to say why.
 *
 * Two writes per mail stay (SENDING before SMTP, SENT after), on purpose: the SENDING claim is what stops a
 * second job for the same row (a sweeper re-enqueue, a stalled-job retry) from talking SMTP at the same
 * time, and it must be committed before the SMTP conversation starts, so it cannot be folded into the SENT
 * update. What is saved is the read before the claim.
 */
async function claimDirect(deps: Deps, id: number, now: Date, stale: Date): Promise<Row | null> {
  const rows = await deps.db.outboundMail.updateManyAndReturn({
    where: { id, AND: [{ OR: [{ kind: { not: "UPDATE" } }, { caseId: null }] }, { OR: [{ status: "PENDING" }, { status: "SENDING", claimedAt: { lt: stale } }] }] },
    data: { status: "SENDING", claimedAt: now },
  });
  return rows[0] ?? null;
}

/**
 * Coalescing: update mails wait a short window (MAILCASE_COALESCE_MS) before their send job runs; the first
 * job of a case and recipient to run takes every update still waiting for that pair, so a burst of posts
 * gives one email. Rows are locked with SKIP LOCKED, so two jobs never take the same row; a job whose own
 * row was taken by another finds nothing to do.
 */
async function claimUpdates(deps: Deps, caseId: number, toAddress: string, ownId: number, now: Date, stale: Date): Promise<Row[]> {
  return deps.db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: number }[]>`
      SELECT id FROM "OutboundMail"
      WHERE "caseId" = ${caseId} AND "toAddress" = ${toAddress} AND kind = 'UPDATE'
        AND (status = 'PENDING' OR (status = 'SENDING' AND "claimedAt" < ${stale}))
      ORDER BY id LIMIT 50 FOR UPDATE SKIP LOCKED`;
    if (!rows.some((r) => r.id === ownId)) return [];
    const ids = rows.map((r) => r.id);
    await tx.outboundMail.updateMany({ where: { id: { in: ids } }, data: { status: "SENDING", claimedAt: now } });
    return tx.outboundMail.findMany({ where: { id: { in: ids } }, orderBy: { id: "asc" } });
  });
}

/**
 * One mail from several rendered updates, oldest first. The reply address is the most restrictive of
 * them: if any update was about an internal or private post, answering the digest stays internal.
 */
async function combineUpdates(deps: Deps, rows: Row[]): Promise<{ subject: string; text: string; html: string | null; replyTo: string | null }> {
  const posts = await deps.db.post.findMany({ where: { id: { in: rows.flatMap((r) => (r.postId === null ? [] : [r.postId])) } }, select: { id: true, visibility: true } });
  const restricted = rows.find((r) => posts.some((p) => p.id === r.postId && p.visibility !== "PUBLIC"));
  const divider = `\n\n${"-".repeat(40)}\n\n`;
  const htmls = rows.map((r) => r.html).filter((h): h is string => h !== null);
  return {
    subject: rows.at(-1)!.subject,
    text: rows.map((r) => r.text.trim()).join(divider),
    html: htmls.length === rows.length ? htmls.join("\n<hr>\n") : null,
    replyTo: (restricted ?? rows.at(-1)!).replyTo,
  };
}

/**
 * A mail that will never arrive is the case's business: an internal post says so on the stream, and the
 * ordinary notification of that post tells the case's owner and agent followers (never the customer).
 * Mail to agents is not reported this way: a notice about a failed notice would only loop.
 */
async function recordFailureOnCase(deps: Deps, caseId: number, to: string, kind: string, error: string): Promise<void> {
  if (kind !== "REPLY" && kind !== "ACK") return;
  const post = await deps.db.$transaction((tx) =>
    addPost(
      tx,
      {
        caseId,
        visibility: "INTERNAL",
        source: "SYSTEM",
        author: null,
        subject: `Delivery failed: ${to}`,
        body: `Mail to ${to} could not be delivered and will not be retried:\n${error}`,
        threadRule: "system",
      },
      { by: "system" },
    ),
  );
  await enqueueNotify(deps.queues.notify, [{ v: 1, postId: post.id, event: "post-added" }]);
}

/**
 * What a sender does with a claimed row, shared by the single-row job (send.service.ts) and the group job
 * (send-group.ts): turn the row (or a coalesced batch of updates) into one SMTP message, and settle a
 * failed send (FAILED for good, or back to PENDING for a retry).
 */
import type { Deps } from "../../kernel/deps.ts";
import { recordEvents } from "../../case/case-events.ts";
import { addPost } from "../../case/posts.ts";
import { enqueueNotify } from "../notify/notify.job.ts";
import { isPermanentDeliveryError } from "./delivery-error.ts";
import { prepareSentMark } from "./sent-marks.ts";
import { withDotHook, type Transport } from "./transport.ts";
import { z } from "zod";

export type Row = NonNullable<Awaited<ReturnType<Deps["db"]["outboundMail"]["findUnique"]>>>;

/** What goes into the message body; for a coalesced batch it is the combination of its updates. */
export interface MailContent {
  subject: string;
  text: string;
  html: string | null;
  replyTo: string | null;
}

const Headers = z.record(z.string(), z.string());

/**
 * Hands one message to the transport and marks its rows SENT: `row` is the row the job was for, `batch` the
 * claimed rows the message stands for (just `row` unless updates were coalesced), `mail` their content, `note`
 * what was combined. The mark is written as the final dot goes out (sent-marks.ts). Resolves with the relay's
 * reply; on a failure the rows are SENDING again, for settleFailure.
 */
export async function deliver(deps: Deps, transport: Transport, row: Row, batch: readonly Row[], mail: MailContent, note: string | null = null): Promise<string> {
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
  const ids = batch.map((r) => r.id);
  const mark = await prepareSentMark(transport.marks, ids, deps.clock.now(), note);
  const options = {
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
  };
  try {
    let info: { response?: unknown };
    try {
      info = await transport.smtp.sendMail(withDotHook(options, () => mark.fire()));
    } catch (err) {
      await mark.revert();
      throw err;
    }
    // Accepted. The mark normally went out with the dot.
    await mark.confirm();
    return String(info.response ?? "");
  } finally {
    mark.release();
  }
}

/**
 * Settles the rows `ids` (claimed by this sender, sent as one message for `row`) after the send failed with
 * `err`. A permanent failure, or any failure on the job's final attempt, marks them FAILED with an event; a
 * permanent one is also told on the case. A transient one releases the claim, so the retry (or the sweeper,
 * should the job be lost) can take the rows again. Returns whether the failure was permanent.
 */
export async function settleFailure(deps: Deps, row: Row, ids: readonly number[], err: unknown, finalAttempt: boolean): Promise<boolean> {
  const permanent = isPermanentDeliveryError(err);
  const message = err instanceof Error ? err.message : String(err);
  if (permanent || finalAttempt) {
    await deps.db.$transaction(async (tx) => {
      await tx.outboundMail.updateMany({ where: { id: { in: [...ids] }, status: "SENDING" }, data: { status: "FAILED", attempts: { increment: 1 }, lastError: message } });
      if (row.caseId !== null) await recordEvents(tx, row.caseId, [{ type: "mail.failed", data: { outboundId: row.id, to: row.toAddress, kind: row.kind, error: message, permanent } }]);
    });
    if (permanent && row.caseId !== null) await recordFailureOnCase(deps, row.caseId, row.toAddress, row.kind, message);
  } else {
    await deps.db.outboundMail.updateMany({ where: { id: { in: [...ids] }, status: "SENDING" }, data: { status: "PENDING", claimedAt: null, attempts: { increment: 1 }, lastError: message } });
  }
  return permanent;
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

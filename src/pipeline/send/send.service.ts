/**
 * Sends one outbox row. The row's status is the guard (PENDING → SENDING → SENT | FAILED, or back to
 * PENDING on a transient error). The SENDING claim is what keeps two jobs for the same row (a sweeper
 * re-enqueue after Redis lost its queues, a stalled-job retry) from both talking SMTP at once; a claim older
 * than CLAIM_LEASE_MS belongs to a sender that died and may be taken over. SENT is written as the message's
 * final dot goes out (sent-marks.ts), so a sender killed after the relay accepted does not leave the row to be
 * sent again. The Message-ID is the row's deterministic id all the same: should a copy ever go out twice (a
 * relay that accepted a message and then dropped the connection before saying so), every mail client
 * recognises it as the same message.
 */
import { UnrecoverableError } from "bullmq";
import type { Deps } from "../../kernel/deps.ts";
import { deliver, settleFailure, type MailContent, type Row } from "./send-mail.ts";
import type { Transport } from "./transport.ts";

export type SendOutcome = { kind: "missing" } | { kind: "not-pending"; status: string } | { kind: "sent"; response: string };

/** Longer than the transport's connection + socket timeouts together, so a live sender never loses its claim. */
export const CLAIM_LEASE_MS = 2 * 60_000;

/** The message of the retryable error a job throws for a row another sender holds (see sendOutbound). */
export const heldByAnotherSender = (outboundId: number): string => `outbound ${outboundId} is claimed by another sender: retried until sent or the claim lapses`;

export async function sendOutbound(deps: Deps, transport: Transport, outboundId: number, finalAttempt: boolean): Promise<SendOutcome> {
  const now = deps.clock.now();
  const stale = new Date(now.getTime() - CLAIM_LEASE_MS);
  // The common case (anything but a coalesced update) claims and reads the row in one statement.
  const [claimed] = await claimDirect(deps, [outboundId], now, stale);
  const row = claimed ?? (await deps.db.outboundMail.findUnique({ where: { id: outboundId } }));
  if (!row) return { kind: "missing" };
  if (row.status !== "PENDING" && row.status !== "SENDING") return { kind: "not-pending", status: row.status };
  const batch = claimed ? [claimed] : row.kind === "UPDATE" && row.caseId !== null ? await claimUpdates(deps, row.caseId, row.toAddress, outboundId, now, stale) : [];
  if (batch.length === 0) {
    // Held by another sender's claim that has not lapsed: a live one finishes it, but one killed mid-SMTP leaves
    // it SENDING until the lease lapses. Completing this job would strand such a row for as long as BullMQ keeps
    // the completed job (the sweeper's re-enqueue reuses the job id and is dropped), so the job retries with
    // backoff until the row is sent (it then ends as not-pending) or its claim lapses and this job takes it.
    if (!finalAttempt) throw new Error(heldByAnotherSender(outboundId));
    return { kind: "not-pending", status: "SENDING" };
  }
  const ids = batch.map((r) => r.id);
  let response: string;
  try {
    response = await deliver(deps, transport, row, batch, batch.length === 1 ? row : await combineUpdates(deps, batch), batch.length > 1 ? `sent in one mail with ${ids.join(", ")}` : null);
  } catch (err) {
    const permanent = await settleFailure(deps, row, ids, err, finalAttempt);
    if (permanent) throw new UnrecoverableError(`permanent delivery failure to ${row.toAddress}: ${(err as Error).message}`);
    throw err;
  }
  return { kind: "sent", response };
}

/**
 * Claims the rows that are sent on their own (every kind but a coalesced UPDATE): PENDING, or SENDING under a
 * claim older than the lease, becomes SENDING, and the rows come back in the same statement, by id. A row
 * missing from the result is not claimable this way (missing, sent, claimed by a live sender, or an UPDATE of
 * a case), and the caller reads it to say why. A group job (send-group.ts) claims all its rows at once.
 *
 * Two writes per mail stay (SENDING before SMTP, SENT at its final dot), on purpose: the SENDING claim is what
 * stops a second job for the same row (a sweeper re-enqueue, a stalled-job retry) from talking SMTP at the
 * same time, and it must be committed before the SMTP conversation starts, so it cannot be folded into the
 * SENT update. What is saved is the read before the claim.
 */
export async function claimDirect(deps: Deps, ids: readonly number[], now: Date, stale: Date): Promise<Row[]> {
  const rows = await deps.db.outboundMail.updateManyAndReturn({
    where: { id: { in: [...ids] }, AND: [{ OR: [{ kind: { not: "UPDATE" } }, { caseId: null }] }, { OR: [{ status: "PENDING" }, { status: "SENDING", claimedAt: { lt: stale } }] }] },
    data: { status: "SENDING", claimedAt: now },
  });
  return rows.sort((a, b) => a.id - b.id);
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
async function combineUpdates(deps: Deps, rows: Row[]): Promise<MailContent> {
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

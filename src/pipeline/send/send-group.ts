/**
 * One send job for several outbox rows: the mails one post or one action produced at once (for a new case
 * usually the customer's acknowledgement and an agent's notice). The rows are claimed in one statement and
 * marked SENT in one statement, instead of two statements and one job per mail.
 *
 * Each row keeps its own fate, as if it had had its own job: a permanent failure marks that row FAILED (and
 * tells the case), a transient one releases that row to PENDING. The job then retries when anything of it is
 * left to do (a transient failure, or a row held by another sender's unlapsed claim, see sendOutbound); the
 * retry claims only the rows still PENDING, so a mail that was accepted is never sent again. When nothing is
 * left to retry but a row failed permanently, the job fails for good (UnrecoverableError), so it shows among
 * the failed jobs like the single-row job of that mail would; the group's other rows are SENT all the same.
 */
import { UnrecoverableError } from "bullmq";
import type { Deps } from "../../kernel/deps.ts";
import { deliver, settleFailure } from "./send-mail.ts";
import { CLAIM_LEASE_MS, claimDirect, sendOutbound } from "./send.service.ts";
import type { Transport } from "./transport.ts";

export type GroupOutcome = { kind: "sent" | "nothing-to-send"; sent: number };

export async function sendGroup(deps: Deps, transport: Transport, outboundIds: readonly number[], finalAttempt: boolean): Promise<GroupOutcome> {
  const now = deps.clock.now();
  const claimed = await claimDirect(deps, outboundIds, now, new Date(now.getTime() - CLAIM_LEASE_MS));
  // Side by side on the pooled transport: every row stays SENDING until the one SENT update below, so a crash in
  // between resends the accepted ones (same Message-ID, recognisable as copies); sending them at once keeps that
  // window as short as a single send instead of the sum of them.
  const results = await Promise.allSettled(claimed.map((row) => deliver(deps, transport, row, [row], row)));
  const accepted = claimed.filter((_, i) => results[i]!.status === "fulfilled").map((r) => r.id);
  if (accepted.length) {
    await deps.db.outboundMail.updateMany({
      where: { id: { in: accepted }, status: "SENDING" },
      data: { status: "SENT", sentAt: deps.clock.now(), attempts: { increment: 1 }, lastError: null },
    });
  }
  let retry: unknown = null;
  const permanent: string[] = [];
  for (const [i, result] of results.entries()) {
    if (result.status === "fulfilled") continue;
    const row = claimed[i]!;
    const reason: unknown = result.reason;
    if (await settleFailure(deps, row, [row.id], reason, finalAttempt)) permanent.push(`permanent delivery failure to ${row.toAddress}: ${(reason as Error).message}`);
    else retry ??= reason;
  }
  // Rows the claim did not take: already sent or failed (a retry of this job, a sweeper's job), an update that
  // coalesces with others, or held by another sender. The rare ones still waiting go the single-row way, which
  // decides each of them exactly as its own job would.
  let sent = accepted.length;
  const taken = new Set(claimed.map((r) => r.id));
  const others = outboundIds.filter((id) => !taken.has(id));
  const waiting = others.length ? await deps.db.outboundMail.findMany({ where: { id: { in: others }, status: { in: ["PENDING", "SENDING"] } }, select: { id: true }, orderBy: { id: "asc" } }) : [];
  for (const { id } of waiting) {
    try {
      if ((await sendOutbound(deps, transport, id, finalAttempt)).kind === "sent") sent += 1;
    } catch (err) {
      if (err instanceof UnrecoverableError) permanent.push(err.message);
      else retry ??= err;
    }
  }
  // A retryable error first: the retry finishes what is left. On the final attempt the rows are FAILED already and
  // this error fails the job, as it does a single-row job.
  if (retry !== null) throw retry;
  if (permanent.length) throw new UnrecoverableError(permanent.join("; "));
  return { kind: sent > 0 ? "sent" : "nothing-to-send", sent };
}

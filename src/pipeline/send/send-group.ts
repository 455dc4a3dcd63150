/**
 * One send job for several outbox rows: the mails one post or one action produced at once (for a new case
 * usually the customer's acknowledgement and an agent's notice). The rows are claimed in one statement and
 * each is marked SENT as its own mail's final dot goes out (sent-marks.ts): one job and one claim for the group
 * instead of one per mail. Marking the group SENT in one statement after all its mails would save a statement
 * per mail, but a crash between the first acceptance and that statement resends every accepted mail: the chaos
 * test (SIGKILLs while a backlog is being sent) caught one acknowledgement delivered twice that way. The group's
 * mails go one after the other, never side by side, so one job holds one marking connection at a time.
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
  // One mail at a time, in id order, each row marked SENT as its mail's dot goes out. A refusal after the dot
  // takes the mark back, so a failed send leaves the row to settleFailure as for a single row.
  let sent = 0;
  let retry: unknown = null;
  const permanent: string[] = [];
  for (const row of claimed) {
    try {
      await deliver(deps, transport, row, [row], row);
      sent += 1;
    } catch (reason) {
      if (await settleFailure(deps, row, [row.id], reason, finalAttempt)) permanent.push(`permanent delivery failure to ${row.toAddress}: ${(reason as Error).message}`);
      else retry ??= reason;
    }
  }
  // Rows the claim did not take: already sent or failed (a retry of this job, a sweeper's job), an update that
  // coalesces with others, or held by another sender. The rare ones still waiting go the single-row way, which
  // decides each of them exactly as its own job would.
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

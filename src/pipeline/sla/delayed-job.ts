/**
 * What the time-driven queues (SLA watch, automation) share: each job fires at an instant and finds out for
 * itself whether it is still wanted, so their BullMQ options and their handling of a job run too early are the
 * same. One place, so a fix to one (e.g. the removal policy below) cannot miss the other.
 */
import { DelayedError, type Job, type JobsOptions } from "bullmq";
import type { Deps } from "../../kernel/deps.ts";

export const DELAYED_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: "exponential", delay: 1_000 },
  // Finished jobs are removed at once: a kept job would swallow a later add with the same id (BullMQ ignores
  // it), so a breach that was skipped while the case was paused could never be watched again when the pause
  // ends with the same due time. A database unique key (SlaEvent, CaseReminder), not the job id, is what makes
  // firing idempotent.
  removeOnComplete: true,
  removeOnFail: true,
} satisfies JobsOptions;

/**
 * A job that ran before its instant (clock skew between hosts, a manual promote) goes back to delayed, same
 * job, no attempt used: nothing is ever recorded ahead of time. Returns the outcome when it was not early.
 */
export async function delayIfEarly<O extends { kind: string }>(deps: Pick<Deps, "log">, job: Job, token: string | undefined, outcome: O | { kind: "early"; until: Date }): Promise<O> {
  if (outcome.kind !== "early" || !("until" in outcome)) return outcome as O;
  deps.log.info({ jobId: job.id, queue: job.queueName, until: outcome.until.toISOString() }, "delayed job early: delayed again");
  await job.moveToDelayed(outcome.until.getTime(), token);
  throw new DelayedError();
}

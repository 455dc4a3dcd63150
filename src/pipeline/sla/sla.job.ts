import { DelayedError, type JobsOptions, type Queue } from "bullmq";
import { z } from "zod";
import { defineJob } from "../define-job.ts";
import { processSlaCheck } from "./sla-watch.service.ts";

/**
 * SLA: one delayed job per case, metric, kind (warning or breach) and due instant, firing at that instant.
 * The job carries the due time it watches; when it runs, a case whose due time has moved since (a priority
 * change, a pause) makes it a no-op, and the jobs for the new due time were added with the change.
 */
export const SLA_QUEUE = "sla";
export const SlaPayload = z.object({
  v: z.literal(1),
  caseId: z.number().int().positive(),
  metric: z.enum(["FIRST_RESPONSE", "NEXT_RESPONSE", "RESOLUTION"]),
  kind: z.enum(["WARNING", "BREACH"]),
  /** The watched due time, epoch ms. */
  dueAt: z.number().int(),
  /** When the job is meant to run (the warning instant, or dueAt), epoch ms. */
  at: z.number().int(),
});
export type SlaPayload = z.infer<typeof SlaPayload>;

export const slaJobOptions: JobsOptions = {
  attempts: 8,
  backoff: { type: "exponential", delay: 1_000 },
  // Finished jobs are removed at once: a kept job would swallow a later add with the same id (BullMQ ignores
  // it), so a breach that was skipped while the case was paused could never be watched again when the pause
  // ends with the same due time. The SlaEvent unique key, not the job id, is what makes firing idempotent.
  removeOnComplete: true,
  removeOnFail: true,
};


/** Deterministic, without ":" (BullMQ reserves it): re-scheduling an unchanged due time adds nothing. */
export const slaJobId = (p: Pick<SlaPayload, "caseId" | "metric" | "kind" | "dueAt">) =>
  `sla-${p.caseId}-${p.metric.toLowerCase()}-${p.kind.toLowerCase()}-${p.dueAt}`;

/** Adds the jobs, each delayed until its `at` (measured against `nowMs`, the injected clock). */
export async function enqueueSla(queue: Queue, items: SlaPayload[], nowMs: number): Promise<void> {
  if (items.length === 0) return;
  await queue.addBulk(
    items.map((p) => ({
      name: `sla.${p.kind.toLowerCase()}`,
      data: p,
      opts: { ...slaJobOptions, jobId: slaJobId(p), delay: Math.max(0, p.at - nowMs) },
    })),
  );
}

export const slaJob = defineJob({
  queue: SLA_QUEUE,
  schema: SlaPayload,
  options: slaJobOptions,
  processor:
    ({ deps }) =>
    async (job, token) => {
      const p = slaJob.payload(job);
      const outcome = await processSlaCheck(deps, p);
      deps.log.info({ jobId: job.id, caseId: p.caseId, metric: p.metric, kind: p.kind, outcome: outcome.kind }, "sla");
      if (outcome.kind === "early") {
        // Ran before its instant (clock skew between hosts, a manual promote): back to delayed, same job, no
        // attempt used; a warning or breach is never recorded ahead of time.
        await job.moveToDelayed(outcome.until.getTime(), token);
        throw new DelayedError();
      }
      return outcome;
    },
});

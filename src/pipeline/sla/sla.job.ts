import { DelayedError, type Queue } from "bullmq";
import { z } from "zod";
import { defineJob } from "../define-job.ts";
import { processSlaCheck } from "./sla-watch.service.ts";

/**
 * SLA: one delayed job per case, metric, kind (warning or breach) and due instant, firing at that instant.
 * The job carries the due time it watches; when it runs, a case whose due time has moved since (a priority
 * change, a pause) makes it a no-op, and the jobs for the new due time were added with the change.
 */
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

/** Deterministic, without ":" (BullMQ reserves it): re-scheduling an unchanged due time adds nothing. */
export const slaJobId = (p: Pick<SlaPayload, "caseId" | "metric" | "kind" | "dueAt">) =>
  `sla-${p.caseId}-${p.metric.toLowerCase()}-${p.kind.toLowerCase()}-${p.dueAt}`;

export const slaJob = defineJob({
  queue: "sla",
  schema: SlaPayload,
  name: (p) => `sla.${p.kind.toLowerCase()}`,
  jobId: slaJobId,
  options: {
    attempts: 8,
    backoff: { type: "exponential", delay: 1_000 },
    // Finished jobs are removed at once: a kept job would swallow a later add with the same id (BullMQ ignores
    // it), so a breach that was skipped while the case was paused could never be watched again when the pause
    // ends with the same due time. The SlaEvent unique key, not the job id, is what makes firing idempotent.
    removeOnComplete: true,
    removeOnFail: true,
  },
  async handle({ deps }, p, job, token) {
    const outcome = await processSlaCheck(deps, p);
    if (outcome.kind === "early") {
      // Ran before its instant (clock skew between hosts, a manual promote): back to delayed, same job, no
      // attempt used; a warning or breach is never recorded ahead of time.
      deps.log.info({ jobId: job.id, caseId: p.caseId, until: outcome.until.toISOString() }, "sla job early: delayed again");
      await job.moveToDelayed(outcome.until.getTime(), token);
      throw new DelayedError();
    }
    return outcome;
  },
  logFields: (p) => ({ caseId: p.caseId, metric: p.metric, kind: p.kind }),
});

/** Adds the jobs, each delayed until its `at` (measured against `nowMs`, the injected clock). */
export const enqueueSla = (queue: Queue, items: readonly SlaPayload[], nowMs: number): Promise<void> =>
  slaJob.enqueue(queue, items, (p) => ({ delay: Math.max(0, p.at - nowMs) }));

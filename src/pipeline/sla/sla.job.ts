import type { Queue } from "bullmq";
import { z } from "zod";
import { defineJob } from "../define-job.ts";
import { processSlaCheck } from "./sla-watch.service.ts";
import { DELAYED_JOB_OPTIONS, delayIfEarly } from "./delayed-job.ts";

/**
 * SLA: a delayed job per case, metric, kind (warning or breach) and due instant, firing at that instant; only
 * a case's nearest one is in the queue at a time, and each adds the next when it has run (sla-watch.service.ts).
 * The job carries the due time it watches; when it runs, a case whose due time has moved since (a priority
 * change, a pause) makes it a no-op, and the job for the new nearest instant was added with the change.
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
  options: DELAYED_JOB_OPTIONS,
  handle: async ({ deps }, p, job, token) => delayIfEarly(deps, job, token, await processSlaCheck(deps, p)),
  logFields: (p) => ({ caseId: p.caseId, metric: p.metric, kind: p.kind }),
});

/** Adds the jobs, each delayed until its `at` (measured against `nowMs`, the injected clock). */
export const enqueueSla = (queue: Queue, items: readonly SlaPayload[], nowMs: number): Promise<void> =>
  slaJob.enqueue(queue, items, (p) => ({ delay: Math.max(0, p.at - nowMs) }));

import type { Queue } from "bullmq";
import { z } from "zod";
import { defineJob } from "../define-job.ts";
import { processAutomation } from "./automation-run.ts";
import { DELAYED_JOB_OPTIONS, delayIfEarly } from "./delayed-job.ts";

/**
 * Automation: the time-driven steps of a case besides the SLA watch, each one delayed job firing at its
 * instant: a follow-up step (reminder or give-up) while the case waits on the customer, a nudge to the owner,
 * and the resolution mail after a case was resolved or closed (at once).
 *
 * Every payload names the state it was planned for (the waiting start, the last agent action, the resolution
 * instant): a job that finds the case in another state is a no-op, and the jobs for the new state were added
 * with the change. A `CaseReminder` row's unique key is what makes a step act once; the job id only saves work.
 */
export const AutomationPayload = z.discriminatedUnion("kind", [
  z.object({
    v: z.literal(1),
    kind: z.literal("follow-up"),
    caseId: z.number().int().positive(),
    /** When the case started waiting on the customer, epoch ms. */
    anchorAt: z.number().int(),
    step: z.number().int().min(0),
    at: z.number().int(),
  }),
  z.object({
    v: z.literal(1),
    kind: z.literal("nudge"),
    caseId: z.number().int().positive(),
    /** The last agent action, epoch ms. */
    anchorAt: z.number().int(),
    at: z.number().int(),
  }),
  z.object({
    v: z.literal(1),
    kind: z.literal("resolution"),
    caseId: z.number().int().positive(),
    /** resolvedAt or closedAt of the change that is mailed, epoch ms. */
    doneAt: z.number().int(),
    at: z.number().int(),
  }),
]);
export type AutomationPayload = z.infer<typeof AutomationPayload>;

/** Deterministic, without ":" (BullMQ reserves it). */
export const automationJobId = (p: AutomationPayload): string =>
  p.kind === "follow-up" ? `followup-${p.caseId}-${p.anchorAt}-${p.step}` : p.kind === "nudge" ? `nudge-${p.caseId}-${p.anchorAt}` : `resolution-${p.caseId}-${p.doneAt}`;

export const automationJob = defineJob({
  queue: "automation",
  schema: AutomationPayload,
  name: (p) => `case.${p.kind}`,
  jobId: automationJobId,
  options: DELAYED_JOB_OPTIONS,
  handle: async ({ deps }, p, job, token) => delayIfEarly(deps, job, token, await processAutomation(deps, p)),
  logFields: (p) => ({ caseId: p.caseId, kind: p.kind }),
});

/** Adds the jobs, each delayed until its `at` (against `nowMs`, the injected clock). */
export const enqueueAutomation = (queue: Queue, items: readonly AutomationPayload[], nowMs: number): Promise<void> =>
  automationJob.enqueue(queue, items, (p) => ({ delay: Math.max(0, p.at - nowMs) }));

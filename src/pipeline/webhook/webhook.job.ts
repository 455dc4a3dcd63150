import type { Queue } from "bullmq";
import { z } from "zod";
import { defineJob, isFinalAttempt, retrying } from "../define-job.ts";
import { deliverWebhook } from "./webhook.service.ts";

/**
 * Webhook: one POST of one delivery (an event for a subscription). Attempts and backoff are the
 * subscription's (`webhooks:` in the configuration), set per job at enqueue; the defaults below are only for
 * a job enqueued without them.
 */
export const WebhookPayload = z.object({ v: z.literal(1), deliveryId: z.number().int().positive() });
export type WebhookPayload = z.infer<typeof WebhookPayload>;

export const webhookJob = defineJob({
  queue: "webhook",
  schema: WebhookPayload,
  name: () => "webhook.deliver",
  jobId: (p) => `webhook-${p.deliveryId}`,
  options: retrying(8, 30_000),
  workerOptions: (env) => ({
    // The lock must outlast the receiver's time budget, or a slow receiver's delivery is taken as stalled and sent twice.
    lockDuration: env.MAILCASE_WEBHOOK_TIMEOUT_MS + 15_000,
  }),
  handle: ({ deps, env }, p, job) => deliverWebhook(deps, p.deliveryId, { final: isFinalAttempt(job), timeoutMs: env.MAILCASE_WEBHOOK_TIMEOUT_MS }),
  logFields: (p) => ({ deliveryId: p.deliveryId }),
});

export const enqueueWebhooks = (queue: Queue, deliveries: readonly { id: number; attempts: number; backoffSeconds: number }[]): Promise<void> => {
  const policy = new Map(deliveries.map((d) => [d.id, d]));
  return webhookJob.enqueue(
    queue,
    deliveries.map((d) => ({ v: 1, deliveryId: d.id })),
    (p) => {
      const d = policy.get(p.deliveryId)!;
      return { attempts: d.attempts, backoff: { type: "exponential", delay: d.backoffSeconds * 1000 } };
    },
  );
};

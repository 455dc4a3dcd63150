import type { JobsOptions, Queue } from "bullmq";
import { z } from "zod";
import { defineJob, isFinalAttempt } from "../define-job.ts";
import { sendOutbound } from "./send.service.ts";

/** Send: deliver one outbox row over SMTP. Transient SMTP failures retry with backoff for about a day. */
export const SEND_QUEUE = "send";
export const SendPayload = z.object({ v: z.literal(1), outboundId: z.number().int().positive() });
export type SendPayload = z.infer<typeof SendPayload>;

export const sendJobOptions: JobsOptions = {
  attempts: 15,
  backoff: { type: "exponential", delay: 2_000 },
  removeOnComplete: { age: 3_600, count: 10_000 },
  removeOnFail: { age: 7 * 86_400 },
};


export const sendJobId = (outboundId: number) => `send-${outboundId}`;

/** `delayMs`: the coalescing window of update mails (see send.service.ts claimUpdates). */
export async function enqueueSend(queue: Queue, outboundIds: number[], delayMs = 0): Promise<void> {
  if (outboundIds.length === 0) return;
  await queue.addBulk(
    outboundIds.map((outboundId) => ({
      name: "mail.send",
      data: { v: 1, outboundId } satisfies SendPayload,
      opts: { ...sendJobOptions, jobId: sendJobId(outboundId), ...(delayMs > 0 ? { delay: delayMs } : {}) },
    })),
  );
}

export const sendJob = defineJob({
  queue: SEND_QUEUE,
  schema: SendPayload,
  options: sendJobOptions,
  workerOptions: (env) => ({
    // Lock must outlast the SMTP socket timeout, or a slow send is taken as stalled and sent twice.
    lockDuration: 60_000,
    // Relays throttle or block senders that burst; the limit holds across all worker processes (Redis).
    limiter: { max: env.MAILCASE_SEND_RATE_PER_SECOND, duration: 1_000 },
  }),
  processor:
    ({ deps, transport }) =>
    async (job) => {
      const p = sendJob.payload(job);
      const outcome = await sendOutbound(deps, transport, p.outboundId, isFinalAttempt(job));
      deps.log.info({ jobId: job.id, outboundId: p.outboundId, outcome: outcome.kind }, "send");
      return outcome;
    },
});

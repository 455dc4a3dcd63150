import type { Queue } from "bullmq";
import { z } from "zod";
import { defineJob, isFinalAttempt, retrying } from "../define-job.ts";
import { sendOutbound } from "./send.service.ts";

/** Send: deliver one outbox row over SMTP. Transient SMTP failures retry with backoff for about a day. */
export const SendPayload = z.object({ v: z.literal(1), outboundId: z.number().int().positive() });
export type SendPayload = z.infer<typeof SendPayload>;

export const sendJob = defineJob({
  queue: "send",
  schema: SendPayload,
  name: () => "mail.send",
  jobId: (p) => `send-${p.outboundId}`,
  options: retrying(15, 2_000),
  workerOptions: (env) => ({
    // Lock must outlast the SMTP socket timeout, or a slow send is taken as stalled and sent twice.
    lockDuration: 60_000,
    // Relays throttle or block senders that burst; the limit holds across all worker processes (Redis).
    ...(env.MAILCASE_SEND_RATE_PER_SECOND > 0 ? { limiter: { max: env.MAILCASE_SEND_RATE_PER_SECOND, duration: 1_000 } } : {}),
  }),
  handle: ({ deps, transport }, p, job) => sendOutbound(deps, transport, p.outboundId, isFinalAttempt(job)),
  logFields: (p) => ({ outboundId: p.outboundId }),
});

/** `delayMs`: the coalescing window of update mails (see send.service.ts claimUpdates). */
export const enqueueSend = (queue: Queue, outboundIds: readonly number[], delayMs = 0): Promise<void> =>
  sendJob.enqueue(
    queue,
    outboundIds.map((outboundId) => ({ v: 1, outboundId })),
    delayMs > 0 ? () => ({ delay: delayMs }) : undefined,
  );

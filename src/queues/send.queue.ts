import { Queue, type ConnectionOptions, type JobsOptions } from "bullmq";
import { z } from "zod";

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

export const createSendQueue = (connection: ConnectionOptions, prefix: string) =>
  new Queue(SEND_QUEUE, { connection, prefix });

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

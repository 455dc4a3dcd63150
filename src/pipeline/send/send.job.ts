import type { Queue } from "bullmq";
import { z } from "zod";
import { defineJob, isFinalAttempt, retrying } from "../define-job.ts";
import { sendGroup } from "./send-group.ts";
import { sendOutbound } from "./send.service.ts";

/**
 * Send: deliver outbox rows over SMTP. Transient SMTP failures retry with backoff for about a day.
 * v1 is one row (the coalesced updates, the sweeper's re-enqueues, and every job of the previous release);
 * v2 is the rows one post or action produced at once, claimed together and sent one after the other
 * (send-group.ts).
 */
const SendOne = z.object({ v: z.literal(1), outboundId: z.number().int().positive() });
const SendGroup = z.object({ v: z.literal(2), outboundIds: z.array(z.number().int().positive()).min(1).max(50) });
export const SendPayload = z.discriminatedUnion("v", [SendOne, SendGroup]);
export type SendPayload = z.infer<typeof SendPayload>;

/**
 * The most mails one enqueue puts into a job. The relay's rate limiter counts jobs, so a group may send this
 * many mails for one unit of the limit (see MAILCASE_SEND_RATE_PER_SECOND); kept small so the limit stays close
 * to a limit in mails, while a new case's two or three mails still go as one job.
 */
export const SEND_GROUP_MAX = 5;

export const sendJob = defineJob({
  queue: "send",
  schema: SendPayload,
  name: () => "mail.send",
  // A group's id is its first row's: the sweeper re-enqueues each waiting row as its own v1 job, and while the
  // group job exists, that of its first row is dropped as a duplicate; the others' jobs run and find their
  // rows claimed or sent (the claim decides, never the job). A group job lost with Redis is so healed row by row.
  jobId: (p) => `send-${p.v === 1 ? p.outboundId : p.outboundIds[0]!}`,
  options: retrying(15, 2_000),
  workerOptions: (env) => ({
    // Lock must outlast the SMTP socket timeout, or a slow send is taken as stalled and sent twice.
    lockDuration: 60_000,
    // Relays throttle or block senders that burst; the limit holds across all worker processes (Redis). It counts
    // jobs, and a job sends up to SEND_GROUP_MAX mails.
    ...(env.MAILCASE_SEND_RATE_PER_SECOND > 0 ? { limiter: { max: env.MAILCASE_SEND_RATE_PER_SECOND, duration: 1_000 } } : {}),
  }),
  handle: ({ deps, transport }, p, job) =>
    p.v === 1 ? sendOutbound(deps, transport, p.outboundId, isFinalAttempt(job)) : sendGroup(deps, transport, p.outboundIds, isFinalAttempt(job)),
  logFields: (p): Record<string, string | number> => (p.v === 1 ? { outboundId: p.outboundId } : { outboundIds: p.outboundIds.join(",") }),
});

/**
 * Enqueues the sending of freshly written rows: without a delay, in groups of up to SEND_GROUP_MAX rows per job
 * (one row: a v1 job, as before groups existed). With `delayMs` (the coalescing window of update mails, see
 * send.service.ts claimUpdates) every row keeps its own job. Rows that may have had a job already (the
 * sweeper's) go through enqueueSendEach: a group whose first row's id is taken would be dropped as a whole.
 */
export const enqueueSend = (queue: Queue, outboundIds: readonly number[], delayMs = 0): Promise<void> => {
  if (delayMs > 0) return enqueueSendEach(queue, outboundIds, delayMs);
  const ids = [...new Set(outboundIds)];
  const payloads: SendPayload[] = [];
  for (let i = 0; i < ids.length; i += SEND_GROUP_MAX) {
    const group = ids.slice(i, i + SEND_GROUP_MAX);
    payloads.push(group.length === 1 ? { v: 1, outboundId: group[0]! } : { v: 2, outboundIds: group });
  }
  return sendJob.enqueue(queue, payloads);
};

/** One v1 job per row (`send-${id}`), e.g. updates that coalesce (claimUpdates) and the sweeper's re-enqueues. */
export const enqueueSendEach = (queue: Queue, outboundIds: readonly number[], delayMs = 0): Promise<void> =>
  sendJob.enqueue(
    queue,
    outboundIds.map((outboundId) => ({ v: 1, outboundId })),
    delayMs > 0 ? () => ({ delay: delayMs }) : undefined,
  );

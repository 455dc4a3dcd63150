import { Queue, type ConnectionOptions, type JobsOptions } from "bullmq";
import { z } from "zod";

/** Notify: plan and render the emails one post causes, writing one outbox row per recipient. */
export const NOTIFY_QUEUE = "notify";
export const NotifyPayload = z.object({
  v: z.literal(1),
  postId: z.number().int().positive(),
  event: z.enum(["case-opened", "post-added"]),
});
export type NotifyPayload = z.infer<typeof NotifyPayload>;

export const notifyJobOptions: JobsOptions = {
  attempts: 8,
  backoff: { type: "exponential", delay: 1_000 },
  removeOnComplete: { age: 3_600, count: 10_000 },
  removeOnFail: { age: 7 * 86_400 },
};

export const createNotifyQueue = (connection: ConnectionOptions, prefix: string) =>
  new Queue(NOTIFY_QUEUE, { connection, prefix });

export const notifyJobId = (postId: number) => `notify-${postId}`;

export async function enqueueNotify(queue: Queue, items: NotifyPayload[]): Promise<void> {
  if (items.length === 0) return;
  await queue.addBulk(
    items.map((p) => ({ name: "post.notify", data: p, opts: { ...notifyJobOptions, jobId: notifyJobId(p.postId) } })),
  );
}

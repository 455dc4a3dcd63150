import type { JobsOptions, Queue } from "bullmq";
import { z } from "zod";
import { defineJob } from "../define-job.ts";
import { notifyPost } from "./notify.service.ts";

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


export const notifyJobId = (postId: number) => `notify-${postId}`;

export async function enqueueNotify(queue: Queue, items: NotifyPayload[]): Promise<void> {
  if (items.length === 0) return;
  await queue.addBulk(
    items.map((p) => ({ name: "post.notify", data: p, opts: { ...notifyJobOptions, jobId: notifyJobId(p.postId) } })),
  );
}

export const notifyJob = defineJob({
  queue: NOTIFY_QUEUE,
  schema: NotifyPayload,
  options: notifyJobOptions,
  processor:
    ({ deps }) =>
    async (job) => {
      const p = notifyJob.payload(job);
      const outcome = await notifyPost(deps, p.postId, p.event);
      deps.log.info({ jobId: job.id, postId: p.postId, outcome: outcome.kind }, "notify");
      return outcome;
    },
});

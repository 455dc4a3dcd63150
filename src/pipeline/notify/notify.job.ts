import type { Queue } from "bullmq";
import { z } from "zod";
import { defineJob, retrying } from "../define-job.ts";
import { notifyPost } from "./notify.service.ts";

/** Notify: plan and render the emails one post causes, writing one outbox row per recipient. */
export const NotifyPayload = z.object({
  v: z.literal(1),
  postId: z.number().int().positive(),
  event: z.enum(["case-opened", "post-added"]),
});
export type NotifyPayload = z.infer<typeof NotifyPayload>;

export const notifyJob = defineJob({
  queue: "notify",
  schema: NotifyPayload,
  name: () => "post.notify",
  jobId: (p) => `notify-${p.postId}`,
  options: retrying(8, 1_000),
  handle: ({ deps }, p) => notifyPost(deps, p.postId, p.event),
  logFields: (p) => ({ postId: p.postId }),
});

export const enqueueNotify = (queue: Queue, items: readonly NotifyPayload[]): Promise<void> => notifyJob.enqueue(queue, items);

import type { Queue } from "bullmq";
import { z } from "zod";
import { defineJob, retrying } from "../define-job.ts";
import type { Deps } from "../../kernel/deps.ts";
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

/**
 * Plans the posts' mails right away in the calling worker (ingest, after its commit) instead of through a
 * notify job: one queue hop (about 25 Redis commands and a wait in the queue) less per message. Safe because
 * notifyPost is idempotent (Post.notifiedAt under a row lock) and every gap heals as before: a post whose
 * planning fails here gets its notify job; a crash before this finishes leaves the ingest job to be retried
 * (it re-notifies a post whose notifiedAt is still null) and the sweeper re-enqueues such posts.
 */
export async function notifyNow(deps: Deps, items: readonly NotifyPayload[]): Promise<void> {
  const left: NotifyPayload[] = [];
  for (const item of items) {
    try {
      const outcome = await notifyPost(deps, item.postId, item.event);
      deps.log.info({ postId: item.postId, outcome: outcome.kind }, "notify");
    } catch (err) {
      deps.log.warn({ postId: item.postId, err: (err as Error).message }, "notify failed in place, left to its job");
      left.push(item);
    }
  }
  await enqueueNotify(deps.queues.notify, left);
}

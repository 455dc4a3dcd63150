import type { Processor } from "bullmq";
import type { Deps } from "../app/deps.ts";
import { notifyPost } from "../notify/notify.service.ts";
import { parsePayload } from "../queues/common.ts";
import { NotifyPayload } from "../queues/notify.queue.ts";

export const notifyProcessor =
  (deps: Deps): Processor =>
  async (job) => {
    const p = parsePayload(NotifyPayload, job);
    const outcome = await notifyPost(deps, p.postId, p.event);
    deps.log.info({ jobId: job.id, postId: p.postId, outcome: outcome.kind }, "notify");
    return outcome;
  };

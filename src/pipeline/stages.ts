/** The queue stages in pipeline order: what `app/runtime.ts` creates queues and workers for. */
import type { ConnectionOptions } from "bullmq";
import type { Deps } from "../kernel/deps.ts";
import { ingestJob } from "./ingest/ingest.job.ts";
import { notifyJob } from "./notify/notify.job.ts";
import { sendJob } from "./send/send.job.ts";
import { slaJob } from "./sla/sla.job.ts";
import { automationJob } from "./sla/automation.job.ts";
import { webhookJob } from "./webhook/webhook.job.ts";

export const STAGES = [ingestJob, notifyJob, sendJob, slaJob, automationJob, webhookJob] as const;

/** One queue per stage, keyed as `Deps.queues` expects (producers only: workers are started by the runtime). */
export function createQueues(connection: ConnectionOptions, prefix: string): Deps["queues"] {
  return {
    ingest: ingestJob.createQueue(connection, prefix),
    notify: notifyJob.createQueue(connection, prefix),
    send: sendJob.createQueue(connection, prefix),
    sla: slaJob.createQueue(connection, prefix),
    automation: automationJob.createQueue(connection, prefix),
    webhook: webhookJob.createQueue(connection, prefix),
  };
}

import type { Processor } from "bullmq";
import type { Deps } from "../app/deps.ts";
import { sendOutbound } from "../outbound/send.service.ts";
import type { Transport } from "../outbound/transport.ts";
import { parsePayload } from "../queues/common.ts";
import { SendPayload } from "../queues/send.queue.ts";

export const sendProcessor =
  (deps: Deps, transport: Transport): Processor =>
  async (job) => {
    const p = parsePayload(SendPayload, job);
    // BullMQ counts attemptsMade before this run: this is the last try when one more would exceed attempts.
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const outcome = await sendOutbound(deps, transport, p.outboundId, finalAttempt);
    deps.log.info({ jobId: job.id, outboundId: p.outboundId, outcome: outcome.kind }, "send");
    return outcome;
  };

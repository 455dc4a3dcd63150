import type { Processor } from "bullmq";
import type { Deps } from "../app/deps.ts";
import { ingestMessage } from "../ingest/ingest.service.ts";
import { IngestPayload } from "../queues/ingest.queue.ts";
import { parsePayload } from "../queues/common.ts";

export const ingestProcessor =
  (deps: Deps): Processor =>
  async (job) => {
    const p = parsePayload(IngestPayload, job);
    const outcome = await ingestMessage(deps, p.inboundId);
    deps.log.info({ jobId: job.id, inboundId: p.inboundId, outcome: outcome.kind }, "ingest");
    return outcome;
  };

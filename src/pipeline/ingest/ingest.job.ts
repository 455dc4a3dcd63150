import type { JobsOptions, Queue } from "bullmq";
import { z } from "zod";
import { defineJob } from "../define-job.ts";
import { ingestMessage } from "./ingest.service.ts";

/** Ingest: one job per stored raw message. The raw bytes stay in PostgreSQL; the job carries only the id. */
export const INGEST_QUEUE = "ingest";
export const IngestPayload = z.object({ v: z.literal(1), inboundId: z.number().int().positive() });
export type IngestPayload = z.infer<typeof IngestPayload>;

export const ingestJobOptions: JobsOptions = {
  attempts: 8,
  backoff: { type: "exponential", delay: 1_000 },
  removeOnComplete: { age: 3_600, count: 10_000 },
  removeOnFail: { age: 7 * 86_400 },
};


/** Deterministic id: a second enqueue of the same message (poller retry, sweeper) is a no-op. */
/** `retry` is the operator's retry count: a retried message needs a new id, the old job may still exist. */
export const ingestJobId = (inboundId: number, retry = 0) => (retry ? `ingest-${inboundId}-r${retry}` : `ingest-${inboundId}`);

export async function enqueueIngest(queue: Queue, inboundIds: number[], retry = 0): Promise<void> {
  if (inboundIds.length === 0) return;
  await queue.addBulk(
    inboundIds.map((inboundId) => ({
      name: "message.ingest",
      data: { v: 1, inboundId } satisfies IngestPayload,
      opts: { ...ingestJobOptions, jobId: ingestJobId(inboundId, retry) },
    })),
  );
}

export const ingestJob = defineJob({
  queue: INGEST_QUEUE,
  schema: IngestPayload,
  options: ingestJobOptions,
  processor:
    ({ deps }) =>
    async (job) => {
      const p = ingestJob.payload(job);
      const outcome = await ingestMessage(deps, p.inboundId);
      deps.log.info({ jobId: job.id, inboundId: p.inboundId, outcome: outcome.kind }, "ingest");
      return outcome;
    },
});

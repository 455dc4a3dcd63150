import type { Queue } from "bullmq";
import { z } from "zod";
import { defineJob, retrying } from "../define-job.ts";
import { ingestMessage } from "./ingest.service.ts";

/** Ingest: one job per stored raw message. The raw bytes stay in PostgreSQL; the job carries only the id. */
export const IngestPayload = z.object({ v: z.literal(1), inboundId: z.number().int().positive() });
export type IngestPayload = z.infer<typeof IngestPayload>;

/** `retry` is the operator's retry count: a retried message needs a new id, the old job may still exist. */
export const ingestJobId = (inboundId: number, retry = 0) => (retry ? `ingest-${inboundId}-r${retry}` : `ingest-${inboundId}`);

export const ingestJob = defineJob({
  queue: "ingest",
  schema: IngestPayload,
  name: () => "message.ingest",
  jobId: (p) => ingestJobId(p.inboundId),
  options: retrying(8, 1_000),
  handle: ({ deps }, p) => ingestMessage(deps, p.inboundId),
  logFields: (p) => ({ inboundId: p.inboundId }),
});

export const enqueueIngest = (queue: Queue, inboundIds: readonly number[], retry = 0): Promise<void> =>
  ingestJob.enqueue(
    queue,
    inboundIds.map((inboundId) => ({ v: 1, inboundId })),
    retry ? (p) => ({ jobId: ingestJobId(p.inboundId, retry) }) : undefined,
  );

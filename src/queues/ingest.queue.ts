import { Queue, type ConnectionOptions, type JobsOptions } from "bullmq";
import { z } from "zod";

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

export const createIngestQueue = (connection: ConnectionOptions, prefix: string) =>
  new Queue(INGEST_QUEUE, { connection, prefix });

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

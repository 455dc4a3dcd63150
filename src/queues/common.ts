import { UnrecoverableError, type Job } from "bullmq";
import { Redis } from "ioredis";
import type { z } from "zod";

/** BullMQ needs `maxRetriesPerRequest: null` so blocking commands survive reconnects. */
export function createRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

/**
 * Validates a job payload against its queue's schema. A payload that does not validate will never
 * validate on a retry either, so it fails the job permanently instead of burning attempts.
 */
export function parsePayload<S extends z.ZodType>(schema: S, job: Job): z.infer<S> {
  const result = schema.safeParse(job.data);
  if (!result.success) throw new UnrecoverableError(`job ${job.id} payload invalid: ${result.error.message}`);
  return result.data;
}

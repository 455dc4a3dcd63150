/**
 * One definition per queue stage: the queue's name, the zod schema of its payload, its job options and worker
 * options, and the processor that adapts a job to the stage's service. `app/runtime.ts` only loops over
 * these, so a stage is changed in its own folder and nowhere else.
 *
 * Queue names, job names, job ids and payload shapes are a contract with jobs already in Redis: a job
 * enqueued by the previous release must still validate and run after an upgrade. Change them only with a
 * payload version (`v`) that the schema accepts side by side with the old one.
 */
import { Queue, UnrecoverableError, type ConnectionOptions, type Job, type JobsOptions, type Processor, type WorkerOptions } from "bullmq";
import type { z } from "zod";
import type { Env } from "../config/env.ts";
import type { Deps } from "../kernel/deps.ts";
import type { Transport } from "./send/transport.ts";

/** What a stage's processor may use besides Deps: built once per worker process. */
export interface StageContext {
  deps: Deps;
  env: Env;
  transport: Transport;
}

/** Options every worker shares; a stage overrides what it must (see `workerOptions`). */
export type StageWorkerOptions = Pick<WorkerOptions, "concurrency" | "lockDuration" | "stalledInterval" | "limiter">;

export interface JobDefinition<S extends z.ZodType> {
  /** The BullMQ queue name (also the key in `Deps.queues`). */
  queue: "ingest" | "notify" | "send" | "sla";
  schema: S;
  options: JobsOptions;
  /** Overrides of the shared worker options, from the environment. */
  workerOptions?: (env: Env) => Partial<StageWorkerOptions>;
  /** Runs one job: validate (via `payload`), call the stage's service, log the outcome. */
  processor: (ctx: StageContext) => Processor;
}

export function defineJob<S extends z.ZodType>(def: JobDefinition<S>): JobDefinition<S> & { createQueue(connection: ConnectionOptions, prefix: string): Queue; payload(job: Job): z.infer<S> } {
  return {
    ...def,
    createQueue: (connection, prefix) => new Queue(def.queue, { connection, prefix }),
    payload: (job) => parsePayload(def.schema, job),
  };
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

/** BullMQ counts attemptsMade before this run: this is the last try when one more would exceed attempts. */
export const isFinalAttempt = (job: Job): boolean => job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

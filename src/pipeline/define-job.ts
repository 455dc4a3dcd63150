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
  queue: "ingest" | "notify" | "send" | "sla" | "automation" | "webhook";
  schema: S;
  /** The job's name (dotted verb, e.g. `message.ingest`), shown in queue dashboards. */
  name(payload: z.infer<S>): string;
  /**
   * Deterministic, without ":" (BullMQ reserves it): a second enqueue of the same work (a retry of the
   * producer, the sweeper) is a no-op while the first job exists.
   */
  jobId(payload: z.infer<S>): string;
  options: JobsOptions;
  /** Overrides of the shared worker options, from the environment. */
  workerOptions?: (env: Env) => Partial<StageWorkerOptions>;
  /** Runs one validated job: calls the stage's service and returns its outcome (logged with `logFields`). */
  handle(ctx: StageContext, payload: z.infer<S>, job: Job, token: string | undefined): Promise<{ kind: string }>;
  /** What identifies the job's work in the log line of its outcome (ids only: never bodies or addresses). */
  logFields(payload: z.infer<S>): Record<string, string | number>;
}

export interface DefinedJob<S extends z.ZodType> extends JobDefinition<S> {
  /** The BullMQ processor: validate the payload, handle it, log the outcome. */
  processor(ctx: StageContext): Processor;
  createQueue(connection: ConnectionOptions, prefix: string): Queue;
  /** The job's payload, validated (a payload that does not validate fails the job for good). */
  payload(job: Job): z.infer<S>;
  /** Adds one job per payload in one round trip; `extra` adds per-job options (a delay, another id). */
  enqueue(queue: Queue, payloads: readonly z.infer<S>[], extra?: (payload: z.infer<S>) => JobsOptions): Promise<void>;
}

export function defineJob<S extends z.ZodType>(def: JobDefinition<S>): DefinedJob<S> {
  const payload = (job: Job): z.infer<S> => parsePayload(def.schema, job);
  return {
    ...def,
    processor: (ctx) => async (job, token) => {
      const p = payload(job);
      const outcome = await def.handle(ctx, p, job, token);
      ctx.deps.log.info({ jobId: job.id, ...def.logFields(p), outcome: outcome.kind }, def.queue);
      return outcome;
    },
    createQueue: (connection, prefix) => new Queue(def.queue, { connection, prefix }),
    payload,
    async enqueue(queue, payloads, extra) {
      if (payloads.length === 0) return;
      await queue.addBulk(payloads.map((p) => ({ name: def.name(p), data: p, opts: { ...def.options, jobId: def.jobId(p), ...extra?.(p) } })));
    },
  };
}

/**
 * Options of a job that retries with exponential backoff. Finished jobs are kept a while for inspection
 * (and so a duplicate enqueue within the hour is still recognised by its id); failed ones for a week.
 */
export function retrying(attempts: number, firstDelayMs: number): JobsOptions {
  return {
    attempts,
    backoff: { type: "exponential", delay: firstDelayMs },
    removeOnComplete: { age: 3_600, count: 10_000 },
    removeOnFail: { age: 7 * 86_400 },
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

/**
 * Process wiring: builds Deps once and starts the roles the Procfile names (poller, worker, web).
 * No decisions here; every role returns a handle whose close() drains it (SIGTERM-safe).
 */
import { Worker, type ConnectionOptions } from "bullmq";
import type { Redis } from "ioredis";
import { assertProductionSecret, loadEnv, type Env } from "../config/env.ts";
import { secretRing } from "../config/secrets.ts";
import { resolvePassword } from "../config/apply-config.ts";
import { ConfigCache } from "../config/config-cache.ts";
import { createDb, type Db } from "../db/client.ts";
import { createLogger, type Logger } from "../observability/logger.ts";
import { createTransport } from "../pipeline/send/transport.ts";
import { MailboxPoller } from "../pipeline/poll/imap-poller.ts";
import { auditMailbox } from "../pipeline/poll/gap-audit.ts";
import { createRedis } from "../db/redis.ts";
import { createQueues, STAGES } from "../pipeline/stages.ts";
import { sweep, sweepUnnotified } from "../pipeline/sweeper.ts";
import { startWebhookDispatcher } from "../pipeline/webhook/webhook.service.ts";
import { TemplateRenderer } from "../render/templates.ts";
import { DEFAULT_SIGN_IN_LIMITS, type WebOptions } from "../web/web-options.ts";
import { warmParseWorkers } from "../parsing/parse-budget.ts";
import { systemClock, type Clock, type Deps } from "../kernel/deps.ts";

export interface Runtime {
  env: Env;
  deps: Deps;
  redis: Redis;
  close(): Promise<void>;
}

export interface Handle {
  close(): Promise<void>;
}

export function createRuntime(env: Env = loadEnv(), overrides: { clock?: Clock; db?: Db; log?: Logger } = {}): Runtime {
  assertProductionSecret(env);
  const log = overrides.log ?? createLogger(env.LOG_LEVEL);
  const db = overrides.db ?? createDb(env.DATABASE_URL);
  const redis = createRedis(env.REDIS_URL);
  const prefix = env.MAILCASE_REDIS_PREFIX;
  const queues = createQueues(redis, prefix);
  // Without a listener BullMQ prints every connection error raw to stderr (e.g. while Redis restarts);
  // ioredis reconnects on its own, so a warning in the log is what an operator needs.
  for (const q of Object.values(queues)) q.on("error", (err: Error) => log.warn({ queue: q.name, err: err.message }, "queue connection error"));
  redis.on("error", (err: Error) => log.warn({ err: err.message }, "redis connection error"));
  const deps: Deps = {
    db,
    log,
    clock: overrides.clock ?? systemClock,
    secret: secretRing(env.MAILCASE_SECRET, env.MAILCASE_SECRET_PREVIOUS, env.MAILCASE_LEGACY_REPLY_TOKENS),
    templates: new TemplateRenderer(),
    queues,
    config: new ConfigCache(db),
    coalesceMs: env.MAILCASE_COALESCE_MS,
    limits: { maxMessageBytes: env.MAILCASE_MAX_MESSAGE_BYTES, parseTimeoutMs: env.MAILCASE_PARSE_TIMEOUT_MS },
    faultIngestDelayMs: env.MAILCASE_FAULT_INGEST_DELAY_MS,
    faultNotifyDelayMs: env.MAILCASE_FAULT_NOTIFY_DELAY_MS,
    portalUrl: env.MAILCASE_PORTAL_URL,
    publicUrl: publicUrl(env),
  };
  return {
    env,
    deps,
    redis,
    async close() {
      await Promise.all(Object.values(queues).map((q) => q.close()));
      await redis.quit().catch(() => undefined);
      if (!overrides.db) await db.$disconnect();
    },
  };
}

/** Starts one poller per active mailbox. Only one poller per mailbox is active across processes (lease). */
export async function startPollers(rt: Runtime): Promise<Handle> {
  const mailboxes = await rt.deps.db.mailbox.findMany({ where: { active: true } });
  if (mailboxes.length === 0) rt.deps.log.warn("no active mailboxes: run `mailcase config apply` first");
  const pollers = mailboxes.map(
    (m) =>
      new MailboxPoller(rt.deps, m, {
        pollIntervalMs: rt.env.POLL_INTERVAL_MS,
        timeoutMs: rt.env.IMAP_TIMEOUT_MS,
        redis: rt.redis,
        redisPrefix: rt.env.MAILCASE_REDIS_PREFIX,
        password: (mb) => resolvePassword(mb.imapPassword),
      }),
  );
  for (const p of pollers) p.start();
  // Periodic gap audit (read-only): a message on the server that was never stored is reported loudly and
  // exported as mailcase_imap_gap_messages, instead of being lost silently.
  const audit = setInterval(() => {
    for (const m of mailboxes)
      void auditMailbox(rt.deps, m, resolvePassword(m.imapPassword)).then(
        (r) => (r.gaps.length ? rt.deps.log.error({ mailbox: m.key, gaps: r.gaps }, "gap audit: messages on the server were never stored") : undefined),
        (err: Error) => rt.deps.log.error({ mailbox: m.key, err }, "gap audit failed"),
      );
  }, 10 * 60_000);
  audit.unref();
  return {
    close: async () => {
      clearInterval(audit);
      await Promise.all(pollers.map((p) => p.stop()));
    },
  };
}

/** Starts the queue workers (scale by running more copies) and the self-healing sweeper. */
export function startWorkers(rt: Runtime): Handle {
  const { env, deps } = rt;
  const connection: ConnectionOptions = rt.redis;
  const prefix = env.MAILCASE_REDIS_PREFIX;
  const transport = createTransport(env);
  // A killed worker's jobs are picked up again once their lock lapses and a stalled check runs: keep both
  // short so a crash costs seconds, not a minute. Locks are renewed while the process lives.
  // The stalled check is one script per queue and interval, whatever the traffic: 5 s costs nothing per message.
  const common = { connection, prefix, concurrency: env.WORKER_CONCURRENCY, lockDuration: 15_000, stalledInterval: 5_000 };
  const ctx = { deps, env, transport };
  // The parse pool starts with the workers, not with the first message of a burst (which would wait for it).
  void warmParseWorkers().catch(() => undefined);
  const workers = STAGES.map((stage) => new Worker(stage.queue, stage.processor(ctx), { ...common, ...stage.workerOptions?.(env) }));
  for (const w of workers) {
    w.on("failed", (job, err) => {
      // A retry is routine (warn, the message only); a job that will not run again needs an operator (error,
      // with the stack and cause through pino's err serializer).
      const final = !job || err.name === "UnrecoverableError" || job.attemptsMade >= (job.opts.attempts ?? 1);
      if (final) deps.log.error({ queue: w.name, jobId: job?.id, attempts: job?.attemptsMade, err }, "job failed permanently");
      else deps.log.warn({ queue: w.name, jobId: job.id, attempts: job.attemptsMade, err: err.message }, "job failed, will retry");
    });
    w.on("error", (err) => deps.log.error({ queue: w.name, err }, "worker error"));
  }
  const sweeper = setInterval(
    () => void sweep(deps, env.SWEEP_GRACE_MS).catch((err: Error) => deps.log.error({ err }, "sweep failed")),
    env.SWEEP_INTERVAL_MS,
  );
  sweeper.unref();
  void sweep(deps, env.SWEEP_GRACE_MS).catch(() => undefined);
  // A predecessor killed between an ingest commit and its inline notify left posts that its ingest job's retry
  // would notify only once the job's lock lapses and a stalled check runs (15-25 s): notify them now.
  void sweepUnnotified(deps, 0).catch(() => undefined);
  const webhooks = startWebhookDispatcher(deps, env.MAILCASE_WEBHOOK_POLL_MS, env.SWEEP_GRACE_MS);
  return {
    close: async () => {
      clearInterval(sweeper);
      await webhooks.close();
      await Promise.all(workers.map((w) => w.close()));
      await transport.close();
    },
  };
}

export async function startWeb(rt: Runtime): Promise<Handle & { port: number }> {
  // Loaded here, not at the top: a worker or poller process never needs fastify and the portal in memory.
  const { startWebServer } = await import("../web/server.ts");
  return startWebServer(rt.deps, rt.redis, webOptions(rt.env));
}

/** The web process's settings from the environment (tests override the port, limits …). */
export function webOptions(env: Env, over: Partial<WebOptions> = {}): WebOptions {
  return {
    host: env.WEB_HOST,
    port: env.WEB_PORT,
    trustProxy: env.WEB_TRUST_PROXY,
    publicUrl: publicUrl(env),
    redisPrefix: env.MAILCASE_REDIS_PREFIX,
    session: { idleMs: env.PORTAL_SESSION_IDLE_MINUTES * 60_000, absoluteMs: env.PORTAL_SESSION_MAX_DAYS * 86_400_000 },
    signInLimits: { ...DEFAULT_SIGN_IN_LIMITS, perIpPerHour: env.PORTAL_SIGN_IN_PER_IP_HOUR },
    apiRatePerMinute: env.MAILCASE_API_RATE_PER_MINUTE,
    ...over,
  };
}

/** Where customers reach the web process: MAILCASE_PUBLIC_URL, or in the lab the loopback address. */
export function publicUrl(env: Env): string | undefined {
  return env.MAILCASE_PUBLIC_URL ?? (env.MAILCASE_LAB_MODE ? `http://127.0.0.1:${env.WEB_PORT}` : undefined);
}

/**
 * Process wiring: builds Deps once and starts the roles the Procfile names (poller, worker, web).
 * No decisions here; every role returns a handle whose close() drains it (SIGTERM-safe).
 */
import { Worker, type ConnectionOptions } from "bullmq";
import type { Redis } from "ioredis";
import { loadEnv, type Env } from "../config/env.ts";
import { resolvePassword } from "../config/apply-config.ts";
import { createDb, type Db } from "../db/client.ts";
import { createLogger, type Logger } from "../observability/logger.ts";
import { CLAIM_LEASE_MS } from "../outbound/send.service.ts";
import { createTransport } from "../outbound/transport.ts";
import { MailboxPoller } from "../poller/imap-poller.ts";
import { auditMailbox } from "../poller/gap-audit.ts";
import { ingestProcessor } from "../processors/ingest.processor.ts";
import { notifyProcessor } from "../processors/notify.processor.ts";
import { sendProcessor } from "../processors/send.processor.ts";
import { slaProcessor } from "../processors/sla.processor.ts";
import { createRedis } from "../queues/common.ts";
import { createIngestQueue, enqueueIngest, INGEST_QUEUE } from "../queues/ingest.queue.ts";
import { createNotifyQueue, enqueueNotify, NOTIFY_QUEUE } from "../queues/notify.queue.ts";
import { createSendQueue, enqueueSend, SEND_QUEUE } from "../queues/send.queue.ts";
import { createSlaQueue, SLA_QUEUE } from "../queues/sla.queue.ts";
import { rescheduleOpenSla } from "../sla/sla-watch.service.ts";
import { TemplateRenderer } from "../render/templates.ts";
import { startWebServer } from "../web/server.ts";
import { systemClock, type Clock, type Deps } from "./deps.ts";

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
  const log = overrides.log ?? createLogger(env.LOG_LEVEL);
  const db = overrides.db ?? createDb(env.DATABASE_URL);
  const redis = createRedis(env.REDIS_URL);
  const prefix = env.MAILCASE_REDIS_PREFIX;
  const queues = {
    ingest: createIngestQueue(redis, prefix),
    notify: createNotifyQueue(redis, prefix),
    send: createSendQueue(redis, prefix),
    sla: createSlaQueue(redis, prefix),
  };
  // Without a listener BullMQ prints every connection error raw to stderr (e.g. while Redis restarts);
  // ioredis reconnects on its own, so a warning in the log is what an operator needs.
  for (const q of Object.values(queues)) q.on("error", (err: Error) => log.warn({ queue: q.name, err: err.message }, "queue connection error"));
  redis.on("error", (err: Error) => log.warn({ err: err.message }, "redis connection error"));
  const deps: Deps = {
    db,
    log,
    clock: overrides.clock ?? systemClock,
    secret: env.MAILCASE_SECRET,
    templates: new TemplateRenderer(),
    queues,
    coalesceMs: env.MAILCASE_COALESCE_MS,
    limits: { maxMessageBytes: env.MAILCASE_MAX_MESSAGE_BYTES, parseTimeoutMs: env.MAILCASE_PARSE_TIMEOUT_MS },
    faultIngestDelayMs: env.MAILCASE_FAULT_INGEST_DELAY_MS,
    portalUrl: env.MAILCASE_PORTAL_URL,
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
        (err: Error) => rt.deps.log.warn({ mailbox: m.key, err: err.message }, "gap audit failed"),
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
  const common = { connection, prefix, concurrency: env.WORKER_CONCURRENCY, lockDuration: 15_000, stalledInterval: 10_000 };
  const workers = [
    new Worker(INGEST_QUEUE, ingestProcessor(deps), common),
    new Worker(NOTIFY_QUEUE, notifyProcessor(deps), common),
    // Lock must outlast the SMTP socket timeout, or a slow send is taken as stalled and sent twice.
    new Worker(SEND_QUEUE, sendProcessor(deps, transport), {
      ...common,
      lockDuration: 60_000,
      // Relays throttle or block senders that burst; the limit holds across all worker processes (Redis).
      limiter: { max: env.MAILCASE_SEND_RATE_PER_SECOND, duration: 1_000 },
    }),
    new Worker(SLA_QUEUE, slaProcessor(deps), common),
  ];
  for (const w of workers) {
    w.on("failed", (job, err) => deps.log.warn({ queue: w.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, "job failed"));
    w.on("error", (err) => deps.log.error({ queue: w.name, err: err.message }, "worker error"));
  }
  const sweeper = setInterval(
    () => void sweep(deps, env.SWEEP_GRACE_MS).catch((err: Error) => deps.log.warn({ err: err.message }, "sweep failed")),
    env.SWEEP_INTERVAL_MS,
  );
  sweeper.unref();
  void sweep(deps, env.SWEEP_GRACE_MS).catch(() => undefined);
  return {
    close: async () => {
      clearInterval(sweeper);
      await Promise.all(workers.map((w) => w.close()));
      transport.close();
    },
  };
}

/** Where the sweeper's SLA pass goes on: it re-schedules the open cases one bounded slice per sweep. */
const slaSweepCursor = { afterId: 0 };

/**
 * Heals the gaps a crash can leave between a commit and the enqueue that follows it: rows still waiting
 * after a grace period are enqueued again. Job ids are deterministic, so this never duplicates work. It also
 * re-schedules the SLA jobs of the next slice of open cases, so delayed jobs lost with Redis come back.
 */
export async function sweep(deps: Deps, graceMs = 30_000, slaCursor = slaSweepCursor): Promise<{ ingest: number; notify: number; send: number; sla: number }> {
  const before = new Date(deps.clock.now().getTime() - graceMs);
  const [inbound, posts, outbound] = await Promise.all([
    deps.db.inboundMessage.findMany({ where: { status: "PENDING", fetchedAt: { lt: before } }, select: { id: true }, take: 1000 }),
    deps.db.post.findMany({ where: { notifiedAt: null, createdAt: { lt: before } }, select: { id: true, threadRule: true }, take: 1000 }),
    deps.db.outboundMail.findMany({
      // SENDING with a lapsed claim: its sender died between claim and outcome.
      where: { OR: [{ status: "PENDING", createdAt: { lt: before } }, { status: "SENDING", claimedAt: { lt: new Date(deps.clock.now().getTime() - CLAIM_LEASE_MS) } }] },
      select: { id: true },
      take: 1000,
    }),
  ]);
  await enqueueIngest(deps.queues.ingest, inbound.map((r) => r.id));
  await enqueueNotify(
    deps.queues.notify,
    posts.map((p) => ({ v: 1, postId: p.id, event: p.threadRule === "new-case" ? "case-opened" : "post-added" })),
  );
  await enqueueSend(deps.queues.send, outbound.map((r) => r.id));
  const sla = await rescheduleOpenSla(deps, slaCursor.afterId);
  slaCursor.afterId = sla.nextAfterId;
  return { ingest: inbound.length, notify: posts.length, send: outbound.length, sla: sla.cases };
}

export async function startWeb(rt: Runtime): Promise<Handle> {
  return startWebServer(rt.deps, rt.redis, rt.env.WEB_PORT);
}

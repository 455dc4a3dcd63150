/**
 * End-to-end benchmark: N messages (default 1000) from 200 customers are sent through SMTP (Postfix) into
 * the support mailbox; for each we measure the time from SMTP acceptance until its case exists and its
 * acknowledgement was accepted by the SMTP server. Mailcase runs in K forked processes (the first one also
 * polls), against a fresh database of this worktree and a private Redis server, so the figures are its own.
 *
 *   npm run bench [-- --messages 1000 --customers 200 --concurrency 8 --workers 1 --rate 0
 *                     --outbound postfix|sink --replies --tsx]
 *
 * Besides throughput and latency, every phase prints what a message cost: CPU-ms of the Mailcase processes,
 * PostgreSQL (the backends of the bench database), Redis (the private server), and separately Postfix and
 * Dovecot (their process trees; the lab is shared, so other sessions' mail is counted there too), SQL
 * statements (counted in the Mailcase processes) and PostgreSQL transactions (pg_stat_database of the bench
 * database) per message, Redis commands per message (INFO commandstats of the private server), peak RSS.
 * `--rate N` offers a steady N msg/s instead of a burst (latency under load); `--replies` adds a phase of
 * customer replies onto the new cases and one of agent answers by mail.
 *
 * BENCH_DATABASE_URL overrides the database; it must be named mailcase_bench*, so the bench (which drops and
 * recreates it) can never take a test database or another worktree's. BENCH_REDIS_URL uses an existing Redis
 * instead of a private one (with a prefix unique to this run; commands are then counted server-wide).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import nodemailer from "nodemailer";
import pg from "pg";
import { loadEnv } from "../src/config/env.ts";
import { freshDatabase } from "./fresh-database.ts";
import { configureBenchHelpdesk, privateRedis, RUN, startNode, type MailcaseNode } from "./processes.ts";
import { cpuMs, machineBusyMs, machineLoad, peakRssMb, PidSetCpu, rssMb, treeCpuMs } from "./proc-stats.ts";
import { startSmtpSink, type SmtpSink } from "./smtp-sink.ts";
import { formatPhase, phaseFigures, type Counters } from "./phase-figures.ts";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "1000" },
    customers: { type: "string", default: "200" },
    concurrency: { type: "string", default: "8" },
    workers: { type: "string", default: "1" },
    rate: { type: "string", default: "0" },
    outbound: { type: "string", default: "postfix" },
    replies: { type: "boolean", default: false },
    tsx: { type: "boolean", default: false },
  },
});
const N = Number(values.messages);
const CUSTOMERS = Number(values.customers);
const WORKERS = Math.max(1, Number(values.workers));
const RATE = Number(values.rate);
const SINK = values.outbound === "sink";
if (!["postfix", "sink"].includes(values.outbound ?? "")) throw new Error("--outbound is postfix or sink");
const ROOT = path.resolve(import.meta.dirname, "..");
/** This worktree's name, so two worktrees benchmarking at once never share a database or a Redis prefix. */
const TREE = path.basename(ROOT).replace(/[^a-zA-Z0-9]/g, "_").toLowerCase();
const DB_URL = process.env.BENCH_DATABASE_URL ?? `postgresql://postgres@127.0.0.1:5432/mailcase_bench_${TREE}`;
const DB_NAME = new URL(DB_URL).pathname.slice(1);
if (!/^mailcase_bench\w*$/.test(DB_NAME)) throw new Error(`bench: refusing database "${DB_NAME}": it is dropped and recreated, so it must be named mailcase_bench*`);
const LAB = process.env.MAIL_LAB_ROOT ?? "/var/lib/mailcase-lab";

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function readPid(file: string): number | null {
  try {
    return Number(execFileSync("cat", [file]).toString().trim()) || null;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const load0 = machineLoad();
  await freshDatabase(DB_URL);
  // BENCH_REDIS_URL: an existing server (this run's prefix keeps its keys apart; commands are counted server-wide).
  const redis = process.env.BENCH_REDIS_URL ? { url: process.env.BENCH_REDIS_URL, pid: null, stop: () => undefined } : await privateRedis();
  const sink: SmtpSink | null = SINK ? await startSmtpSink() : null;
  const support = `bench-${RUN}@helpdesk.test`;
  const dana = `dana-${RUN}@helpdesk.test`;
  const prefix = `bench-${TREE}-${RUN}`;
  await configureBenchHelpdesk(DB_URL, { key: "bench", address: support, name: "Bench Support" }, dana, {
    slaContracts: [{ key: "std", name: "Standard", targets: { NORMAL: { firstResponse: "4h", resolution: "2d" } } }],
    customerGroups: [{ key: "bench", name: "Bench", sla: "std", members: { domains: ["bench.test"] } }],
  });
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: DB_URL,
    REDIS_URL: redis.url,
    MAILCASE_REDIS_PREFIX: prefix,
    LOG_LEVEL: "warn",
    WORKER_CONCURRENCY: values.concurrency,
    POLL_INTERVAL_MS: process.env.POLL_INTERVAL_MS ?? "5000",
    // Update mails to agents would otherwise wait out a 30 s coalescing window: the replies phase measures cost,
    // not that window.
    MAILCASE_COALESCE_MS: "0",
    ...(process.env.MAILCASE_SEND_RATE_PER_SECOND ? { MAILCASE_SEND_RATE_PER_SECOND: process.env.MAILCASE_SEND_RATE_PER_SECOND } : {}),
    ...(sink ? { SMTP_HOST: "127.0.0.1", SMTP_PORT: String(sink.port) } : {}),
  };
  const nodes: MailcaseNode[] = [];
  for (let k = 0; k < WORKERS; k++) nodes.push(await startNode(childEnv, k === 0, { tsx: values.tsx }));
  await sleep(1000);
  /** RSS after start-up (parse threads warm, first queries done), before any mail: the floor a burst adds to. */
  const restRss = nodes.map((n) => rssMb(n.child.pid ?? 0) ?? 0);
  /** BENCH_HEAP_SNAPSHOT=<dir>: heap snapshots of the first process at rest and in the first burst. */
  const snapshot = async (label: string): Promise<void> => {
    if (!process.env.BENCH_HEAP_SNAPSHOT || !nodes[0]) return;
    const r = await nodes[0].request({ cmd: "snapshot", label });
    if ("snapshot" in r) process.stderr.write(`bench: heap snapshot ${r.snapshot}\n`);
  };
  await snapshot("rest");

  const watch = new pg.Client({ connectionString: DB_URL });
  await watch.connect();
  /** Statements the bench itself sends to the bench database: each is one transaction, subtracted below. */
  let watchQueries = 0;
  const watchQuery = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> => {
    watchQueries++;
    return (await watch.query<R>(sql, params)).rows;
  };
  const admin = new pg.Client({ connectionString: Object.assign(new URL(DB_URL), { pathname: "/postgres" }).toString() });
  await admin.connect();
  const stats = new Redis(redis.url);
  const postfixPid = readPid(`${LAB}/postfix/spool/pid/master.pid`);
  const dovecotPid = readPid(`${LAB}/run/dovecot/master.pid`);

  const backendPids = async (): Promise<number[]> =>
    (await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> $2`, [DB_NAME, (watch as unknown as { processID: number }).processID])).rows.map((r) => r.pid);

  async function counters(): Promise<Counters> {
    const statementsNow = await Promise.all(nodes.map(async (n) => {
      const r = await n.request({ cmd: "stats" });
      return "stats" in r ? r.stats.statements : 0;
    }));
    const [xactRow] = (await admin.query<{ x: string }>(`SELECT xact_commit + xact_rollback AS x FROM pg_stat_database WHERE datname = $1`, [DB_NAME])).rows;
    const info = await stats.info("commandstats");
    const byCommand = new Map<string, number>();
    for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (m[1] !== "info") byCommand.set(m[1]!, Number(m[2]));
    return {
      nodeCpu: nodes.map((n) => cpuMs(n.child.pid ?? 0) ?? 0),
      statements: statementsNow.reduce((a, b) => a + b, 0),
      xacts: Number(xactRow?.x ?? 0) - watchQueries,
      redisCommands: [...byCommand.values()].reduce((a, b) => a + b, 0),
      redisByCommand: byCommand,
      redisCpu: redis.pid ? (cpuMs(redis.pid) ?? 0) : 0,
      postfixCpu: postfixPid ? treeCpuMs(postfixPid) : 0,
      dovecotCpu: dovecotPid ? treeCpuMs(dovecotPid) : 0,
      machineBusy: machineBusyMs(),
      at: Date.now(),
    };
  }

  const smtp = nodemailer.createTransport({ host: "127.0.0.1", port: 2525, secure: false, ignoreTLS: true, pool: true, maxConnections: 5 });
  const acceptedAt = new Map<string, number>();
  interface Outgoing {
    from: string;
    to: string;
    subject: string;
    text: string;
    inReplyTo?: string;
  }
  /** Sends all mails, as a burst over 5 connections, or at `RATE` per second when set. */
  async function sendAll(mails: Outgoing[]): Promise<void> {
    const one = async (m: Outgoing): Promise<void> => {
      const info = await smtp.sendMail({ ...m, ...(m.inReplyTo ? { inReplyTo: m.inReplyTo, references: m.inReplyTo } : {}) });
      acceptedAt.set(info.messageId.replace(/^<|>$/g, ""), Date.now());
    };
    if (RATE > 0) {
      const t0 = Date.now();
      await Promise.all(mails.map(async (m, i) => {
        await sleep(Math.max(0, t0 + (i * 1000) / RATE - Date.now()));
        await one(m);
      }));
      return;
    }
    let next = 0;
    await Promise.all(Array.from({ length: 5 }, async () => {
      while (next < mails.length) await one(mails[next++]!);
    }));
  }

  /**
   * Settled when every stored message is processed, every post planned and every outbound mail finished, and
   * that holds for 2 s (a bounce from Postfix may still be on its way in).
   */
  async function settle(minInbound: number, deadlineMs: number): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    let stableSince = 0;
    for (;;) {
      const [row] = await watchQuery<{ inbound: number; pending: number; unplanned: number; unsent: number }>(`
        SELECT (SELECT count(*) FROM "InboundMessage")::int AS inbound,
               (SELECT count(*) FROM "InboundMessage" WHERE status = 'PENDING')::int AS pending,
               (SELECT count(*) FROM "Post" WHERE "notifiedAt" IS NULL)::int AS unplanned,
               (SELECT count(*) FROM "OutboundMail" WHERE status IN ('PENDING', 'SENDING'))::int AS unsent`);
      const done = row !== undefined && row.inbound >= minInbound && row.pending === 0 && row.unplanned === 0 && row.unsent === 0;
      if (!done) stableSince = 0;
      else if (!stableSince) stableSince = Date.now();
      else if (Date.now() - stableSince >= 2_000) return;
      if (Date.now() > deadline) throw new Error(`bench: not settled before the deadline: ${JSON.stringify(row)}`);
      await sleep(250);
    }
  }

  const pgCpu = { current: new PidSetCpu() };
  // The send limiter: sampled with the backends, so the bench says when the relay limit, not Mailcase, set the pace.
  const sendRate = loadEnv(childEnv).MAILCASE_SEND_RATE_PER_SECOND;
  const queueConnection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const sendQueue = new Queue("send", { connection: queueConnection, prefix });
  const throttled = { samples: 0 };
  const sampler = setInterval(() => {
    void backendPids().then((pids) => pgCpu.current.sample(pids), () => undefined);
    if (sendRate > 0) void sendQueue.getRateLimitTtl(sendRate).then((ttl) => void (ttl > 0 && throttled.samples++), () => undefined);
  }, 500);

  /** Runs one phase and prints its cost per message. */
  async function phase(name: string, mails: Outgoing[], minInbound: () => Promise<number>): Promise<Record<string, unknown>> {
    pgCpu.current = new PidSetCpu();
    throttled.samples = 0;
    pgCpu.current.sample(await backendPids());
    const before = await counters();
    await sendAll(mails);
    const sentAt = Date.now();
    if (name === "new cases") await snapshot("burst");
    process.stderr.write(`bench: ${name}: ${mails.length} messages accepted by SMTP in ${((sentAt - before.at) / 1000).toFixed(1)} s; waiting\n`);
    // Generous: on a loaded shared machine a burst drains slowly, and a deadline is for a stuck run only.
    await settle(await minInbound(), Math.max(600_000, mails.length * 2_000));
    // Backends flush their statistics about once a second when idle; settle already waited 2 s.
    pgCpu.current.sample(await backendPids());
    const after = await counters();
    const figures = phaseFigures({ name, messages: mails.length, before, after, pgCpuMs: pgCpu.current.totalMs(), throttledSamples: throttled.samples, sendRate, cores: load0.cores });
    console.log(formatPhase(figures));
    if (figures.sendThrottledSeconds > 0) console.log(`${name}: THROTTLED by the send limit (${sendRate}/s) for about ${figures.sendThrottledSeconds} s`);
    return figures;
  }

  const phaseStart = Date.now();
  const newCases = await phase(
    "new cases",
    Array.from({ length: N }, (_, i) => ({
      from: `customer${i % CUSTOMERS}-${RUN}@bench.test`,
      to: support,
      subject: `Bench ${i}: printer problem`,
      text: `Hello,\n\nmessage ${i} of the benchmark.\n\nRegards`,
    })),
    async () => N,
  );
  const rows = await watchQuery<{ messageId: string; sentAt: Date; fetchedAt: Date; processedAt: Date; notifiedAt: Date; queuedAt: Date }>(`
    SELECT i."messageId", o."sentAt", i."fetchedAt", i."processedAt", p."notifiedAt", o."createdAt" AS "queuedAt" FROM "InboundMessage" i
    JOIN "OutboundMail" o ON o."caseId" = i."caseId" AND o.kind = 'ACK' AND o.status = 'SENT'
    JOIN "Post" p ON p."inboundId" = i.id`);
  // Where a message's time goes, step by step (medians): SMTP acceptance → stored by the poller → filed by
  // ingest → the notify transaction starts (the ACK row's createdAt is PostgreSQL's now(), the transaction's
  // start) → planned, committed, the send job run and the ACK accepted by the SMTP server.
  const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 50);
  const steps = {
    fetchMs: median(rows.flatMap((r) => (acceptedAt.has(r.messageId) ? [r.fetchedAt.getTime() - acceptedAt.get(r.messageId)!] : []))),
    ingestMs: median(rows.map((r) => r.processedAt.getTime() - r.fetchedAt.getTime())),
    notifyMs: median(rows.map((r) => r.queuedAt.getTime() - r.processedAt.getTime())),
    sendMs: median(rows.map((r) => r.sentAt.getTime() - r.queuedAt.getTime())),
  };
  console.log(`new cases: median per step: accepted → fetched ${steps.fetchMs} ms → filed ${steps.ingestMs} ms → notify started ${steps.notifyMs} ms → ACK sent ${steps.sendMs} ms`);
  const latencies = rows.flatMap((r) => {
    const a = acceptedAt.get(r.messageId);
    return a === undefined ? [] : [r.sentAt.getTime() - a];
  });
  latencies.sort((a, b) => a - b);
  // One message's path, the one at the median latency: where a typical message spent its time. Parsing happens
  // inside "filed" (ingest parses and files in one job), so it has no timestamp of its own.
  const typical = rows
    .flatMap((r) => (acceptedAt.has(r.messageId) ? [{ r, a: acceptedAt.get(r.messageId)!, total: r.sentAt.getTime() - acceptedAt.get(r.messageId)! }] : []))
    .sort((x, y) => x.total - y.total)[Math.floor(rows.length / 2)];
  if (typical) {
    const { r, a } = typical;
    const t = (d: Date): string => `+${d.getTime() - a} ms`;
    console.log(`new cases: one message (median latency): accepted 0 → fetched ${t(r.fetchedAt)} → parsed and filed ${t(r.processedAt)} → notify started ${t(r.queuedAt)} → notified ${t(r.notifiedAt)} → ACK sent ${t(r.sentAt)}`);
  }
  const [last] = await watchQuery<{ t: Date | null }>(`SELECT max("processedAt") AS t FROM "InboundMessage"`);
  const lastAck = Math.max(last?.t?.getTime() ?? 0, ...rows.map((r) => r.sentAt.getTime()));
  const wall = (lastAck - phaseStart) / 1000;
  const [countRow] = await watchQuery<{ n: number }>(`SELECT count(*)::int AS n FROM "Case"`);
  const cases = countRow?.n ?? 0;
  const capped = N - rows.length;

  const more: Record<string, unknown>[] = [];
  if (values.replies) {
    const inboundCount = async (): Promise<number> => (await watchQuery<{ n: number }>(`SELECT count(*)::int AS n FROM "InboundMessage"`))[0]?.n ?? 0;
    const acks = await watchQuery<{ toAddress: string; messageId: string; subject: string }>(
      `SELECT "toAddress", "messageId", subject FROM "OutboundMail" WHERE kind = 'ACK' AND status = 'SENT' ORDER BY id`,
    );
    const base = await inboundCount();
    more.push(await phase(
      "customer replies",
      acks.map((a) => ({ from: a.toAddress, to: support, subject: `Re: ${a.subject}`, text: "Any news?\n\nRegards", inReplyTo: `<${a.messageId}>` })),
      async () => base + acks.length,
    ));
    const notices = await watchQuery<{ replyTo: string; messageId: string; subject: string }>(
      `SELECT "replyTo", "messageId", subject FROM "OutboundMail" WHERE kind = 'NEW_CASE' AND "toAddress" = $1 AND "replyTo" IS NOT NULL ORDER BY id LIMIT $2`,
      [dana, N],
    );
    const base2 = await inboundCount();
    more.push(await phase(
      "agent answers",
      notices.map((a) => ({ from: dana, to: a.replyTo, subject: `Re: ${a.subject}`, text: "We are on it.\n\nDana", inReplyTo: `<${a.messageId}>` })),
      async () => base2 + notices.length,
    ));
  }
  clearInterval(sampler);
  await sendQueue.close();
  queueConnection.disconnect();

  const peakRss = nodes.map((n) => peakRssMb(n.child.pid ?? 0) ?? 0);
  const memoryPeaks = await Promise.all(nodes.map(async (n) => {
    const r = await n.request({ cmd: "stats" });
    return "stats" in r ? r.stats.memory : null;
  }));
  const load1 = machineLoad();
  const result = {
    at: new Date().toISOString(),
    messages: N,
    customers: CUSTOMERS,
    workers: WORKERS,
    workerConcurrency: Number(values.concurrency),
    outbound: SINK ? "sink" : "postfix",
    runtime: values.tsx ? "tsx" : "build",
    nodeFlags: process.env.BENCH_NODE_FLAGS ?? "",
    ratePerSecond: RATE || null,
    cases,
    measured: latencies.length,
    withinAckCap: capped,
    wallSeconds: wall,
    msgPerSecond: N / wall,
    p50Ms: percentile(latencies, 50),
    p90Ms: percentile(latencies, 90),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? NaN,
    restRssMbByProcess: restRss,
    peakRssMbByProcess: peakRss,
    memoryPeaksMbByProcess: memoryPeaks,
    loadAverage: { before: load0.load1, after: load1.load1, cores: load0.cores },
    medianStepsMs: steps,
    phases: [newCases, ...more],
  };
  const dir = path.resolve(import.meta.dirname, "results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${result.at.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));

  for (const n of nodes) await n.request({ cmd: "stop" }).catch(() => undefined);
  smtp.close();
  await Promise.all([watch.end(), admin.end()]);
  stats.disconnect();
  await sink?.close();
  redis.stop();
  console.log(`results: ${path.relative(process.cwd(), file)}  (cases ${cases}, p90 ${result.p90Ms} ms, max ${result.maxMs} ms, RSS at rest ${restRss.join(" + ")} MB, peak ${peakRss.join(" + ")} MB, load ${load0.load1} → ${load1.load1} on ${load0.cores} cores)`);
  for (const [i, m] of memoryPeaks.entries()) {
    if (m) console.log(`memory, process ${i + 1}: peak RSS ${peakRss[i]} MB; peaks of heap used ${m.heapUsed} / total ${m.heapTotal} MB, external ${m.external} MB, array buffers ${m.arrayBuffers} MB`);
  }
  console.log(`acknowledged ${latencies.length}; ${capped} not acknowledged because their customer had reached the per-address acknowledgement cap (loop defence)`);
  console.log(`bench: ${N} msgs, ${result.msgPerSecond.toFixed(1)} msg/s end-to-end, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms`);
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.stack ?? err.message}`);
  process.exit(1);
});

/**
 * End-to-end benchmark: N messages (default 1000) from 200 customers are sent through SMTP (Postfix) into
 * the support mailbox; for each we measure the time from SMTP acceptance until its case exists and its
 * acknowledgement was accepted by the SMTP server. Runs poller and workers in this process against a
 * fresh database `mailcase_bench`.
 *
 *   npm run bench [-- --messages 1000 --customers 200 --concurrency 8]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import nodemailer from "nodemailer";
import pg from "pg";
import { applyConfig } from "../src/config/apply-config.ts";
import { loadEnv } from "../src/config/env.ts";
import { parseHelpdeskConfig } from "../src/config/helpdesk-config.ts";
import { createRuntime, startPollers, startWorkers } from "../src/app/runtime.ts";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "1000" },
    customers: { type: "string", default: "200" },
    concurrency: { type: "string", default: "8" },
  },
});
const N = Number(values.messages);
const CUSTOMERS = Number(values.customers);
const DB_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/mailcase_bench";
const PASSWORD = process.env.MAIL_LAB_PASSWORD ?? "lab-secret";

async function freshDatabase(): Promise<void> {
  const url = new URL(DB_URL);
  const admin = new pg.Client({ connectionString: Object.assign(new URL(DB_URL), { pathname: "/postgres" }).toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${url.pathname.slice(1)}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${url.pathname.slice(1)}"`);
  await admin.end();
  execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: DB_URL }, stdio: "pipe" });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  await freshDatabase();
  const run = Date.now().toString(36);
  const support = `bench-${run}@helpdesk.test`;
  const env = loadEnv({ ...process.env, DATABASE_URL: DB_URL, MAILCASE_REDIS_PREFIX: `bench-${run}`, LOG_LEVEL: "warn", WORKER_CONCURRENCY: values.concurrency, POLL_INTERVAL_MS: "5000", MAILCASE_SEND_RATE_PER_SECOND: process.env.MAILCASE_SEND_RATE_PER_SECOND ?? "10000" });
  const rt = createRuntime(env);
  await applyConfig(
    rt.deps.db,
    parseHelpdeskConfig({
      settings: { defaultArea: "helpdesk" },
      areas: [{ key: "helpdesk", name: "Helpdesk", agent: "dana" }],
      mailboxes: [{ key: "bench", address: support, name: "Bench Support", imap: { host: "127.0.0.1", port: 1143, user: support, password: PASSWORD } }],
      agents: [{ key: "dana", name: "Dana", email: `dana-${run}@helpdesk.test` }],
      slaContracts: [{ key: "std", name: "Standard", targets: { NORMAL: { firstResponse: "4h", resolution: "2d" } } }],
      customerGroups: [{ key: "bench", name: "Bench", sla: "std", members: { domains: ["bench.test"] } }],
    }),
  );
  const workers = startWorkers(rt);
  const pollers = await startPollers(rt);
  await sleep(1000);

  const smtp = nodemailer.createTransport({ host: "127.0.0.1", port: 2525, secure: false, ignoreTLS: true, pool: true, maxConnections: 5 });
  const acceptedAt = new Map<string, number>();
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 5 }, async () => {
      while (next < N) {
        const i = next++;
        const info = await smtp.sendMail({
          from: `customer${i % CUSTOMERS}-${run}@bench.test`,
          to: support,
          subject: `Bench ${i}: printer problem`,
          text: `Hello,\n\nmessage ${i} of the benchmark.\n\nRegards`,
        });
        acceptedAt.set(info.messageId.replace(/^<|>$/g, ""), Date.now());
      }
    }),
  );
  const sentAll = Date.now();
  process.stderr.write(`bench: ${N} messages accepted by SMTP in ${((sentAll - started) / 1000).toFixed(1)} s; waiting for cases and acks\n`);

  const db = rt.deps.db;
  const deadline = Date.now() + Math.max(120_000, N * 300);
  // Done when every message is filed, every opening post planned, and every acknowledgement row sent. A
  // customer writing five new cases in a minute gets acknowledgements only up to the per-address cap (the
  // auto-responder loop defence), so there are fewer ACK rows than messages: those are counted, not waited for.
  for (;;) {
    const [processed, unplanned, acks, unsent] = await Promise.all([
      db.inboundMessage.count({ where: { status: { not: "PENDING" } } }),
      db.post.count({ where: { notifiedAt: null } }),
      db.outboundMail.count({ where: { kind: "ACK" } }),
      db.outboundMail.count({ where: { kind: "ACK", status: { not: "SENT" } } }),
    ]);
    if (processed >= N && unplanned === 0 && unsent === 0) break;
    if (Date.now() > deadline) throw new Error(`bench: not settled before the deadline: ${processed}/${N} processed, ${acks - unsent}/${acks} acknowledgements sent`);
    await sleep(250);
  }
  const rows = await db.$queryRaw<{ messageId: string; sentAt: Date }[]>`
    SELECT i."messageId", o."sentAt" FROM "InboundMessage" i
    JOIN "OutboundMail" o ON o."caseId" = i."caseId" AND o.kind = 'ACK' AND o.status = 'SENT'`;
  const latencies = rows.flatMap((r) => {
    const a = acceptedAt.get(r.messageId);
    return a === undefined ? [] : [r.sentAt.getTime() - a];
  });
  latencies.sort((a, b) => a - b);
  const lastProcessed = (await db.inboundMessage.aggregate({ _max: { processedAt: true } }))._max.processedAt?.getTime() ?? 0;
  const lastAck = Math.max(lastProcessed, ...rows.map((r) => r.sentAt.getTime()));
  const wall = (lastAck - started) / 1000;
  const cases = await db.case.count();
  const capped = N - rows.length;
  const result = {
    at: new Date().toISOString(),
    messages: N,
    customers: CUSTOMERS,
    workerConcurrency: env.WORKER_CONCURRENCY,
    cases,
    measured: latencies.length,
    withinAckCap: capped,
    smtpSendSeconds: (sentAll - started) / 1000,
    wallSeconds: wall,
    msgPerSecond: N / wall,
    p50Ms: percentile(latencies, 50),
    p90Ms: percentile(latencies, 90),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? NaN,
    rssMb: Math.round(process.memoryUsage().rss / 1e6),
  };
  const dir = path.resolve(import.meta.dirname, "results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${result.at.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  await pollers.close();
  await workers.close();
  smtp.close();
  for (const q of Object.values(rt.deps.queues)) await q.obliterate({ force: true }).catch(() => undefined);
  await rt.close();
  console.log(`results: ${path.relative(process.cwd(), file)}  (cases ${cases}, p90 ${result.p90Ms} ms, max ${result.maxMs} ms, rss ${result.rssMb} MB)`);
  console.log(`acknowledged ${latencies.length}; ${capped} not acknowledged because their customer had reached the per-address acknowledgement cap (loop defence)`);
  console.log(`bench: ${N} msgs, ${result.msgPerSecond.toFixed(1)} msg/s end-to-end, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms`);
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.message}`);
  process.exit(1);
});

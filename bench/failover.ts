/**
 * Fail-over benchmark: two Mailcase processes (bench-node.ts, both with pollers) watch one mailbox; only the
 * lease holder fetches. Each round SIGKILLs the active poller, sends a message at once, and measures the time
 * from the kill until the standby has stored that message (fetchedAt). The killed process is replaced by a new
 * standby for the next round.
 *
 *   npm run bench:failover [-- --rounds 3]
 *
 * Runs against a fresh database of this worktree (mailcase_bench_<tree>_failover) and a private Redis server.
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import nodemailer from "nodemailer";
import pg from "pg";
import { applyConfig } from "../src/config/apply-config.ts";
import { parseHelpdeskConfig } from "../src/config/helpdesk-config.ts";
import { createDb } from "../src/db/client.ts";
import { LEASE_TTL_MS } from "../src/pipeline/poll/mailbox-lease.ts";
import { freshDatabase } from "./fresh-database.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" } } });
const ROUNDS = Math.max(1, Number(values.rounds));
const ROOT = path.resolve(import.meta.dirname, "..");
const TREE = path.basename(ROOT).replace(/[^a-zA-Z0-9]/g, "_").toLowerCase();
const DB_URL = `postgresql://postgres@127.0.0.1:5432/mailcase_bench_${TREE}_failover`;
const PASSWORD = process.env.MAIL_LAB_PASSWORD ?? "lab-secret";
const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const started: ChildProcess[] = [];
process.on("exit", () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});
const log = (msg: string): void => void process.stderr.write(`failover: ${msg}\n`);

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function until<T>(fn: () => Promise<T | null | undefined | false>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Forks one Mailcase process with workers and a poller; resolves once it is running. */
async function startNode(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = fork(path.join(import.meta.dirname, "bench-node.ts"), ["poller"], { execArgv: ["--import", "tsx"], env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  started.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("exit", (code) => reject(new Error(`node exited with ${code}`)));
  });
  return child;
}

async function main(): Promise<void> {
  await freshDatabase(DB_URL);
  const port = await freePort();
  const redisServer = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  started.push(redisServer);
  const redisUrl = `redis://127.0.0.1:${port}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null, retryStrategy: () => 100 });
  redis.on("error", () => undefined); // refused while the server starts
  await until(() => redis.ping().then(() => true, () => false), "redis-server", 10_000);

  const support = `failover-${RUN}@helpdesk.test`;
  const prefix = `failover-${TREE}-${RUN}`;
  const db = createDb(DB_URL);
  await applyConfig(
    db,
    parseHelpdeskConfig({
      settings: { defaultArea: "helpdesk" },
      areas: [{ key: "helpdesk", name: "Helpdesk", agent: "dana" }],
      mailboxes: [{ key: "fo", address: support, name: "Failover", imap: { host: "127.0.0.1", port: 1143, user: support, password: PASSWORD } }],
      agents: [{ key: "dana", name: "Dana", email: `dana-${RUN}@helpdesk.test` }],
    }),
  );
  await db.$disconnect();
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: DB_URL, REDIS_URL: redisUrl, MAILCASE_REDIS_PREFIX: prefix, LOG_LEVEL: "warn", POLL_INTERVAL_MS: "30000" };
  const leaseKey = `${prefix}:poller-lease:fo`;
  const watch = new pg.Client({ connectionString: DB_URL });
  await watch.connect();
  const smtp = nodemailer.createTransport({ host: "127.0.0.1", port: 2525, secure: false, ignoreTLS: true });
  const fetchedAt = async (messageId: string): Promise<Date | null> =>
    (await watch.query<{ fetchedAt: Date }>(`SELECT "fetchedAt" FROM "InboundMessage" WHERE "messageId" = $1`, [messageId])).rows[0]?.fetchedAt ?? null;
  const send = async (subject: string): Promise<string> =>
    (await smtp.sendMail({ from: `customer-${RUN}@bench.test`, to: support, subject, text: "Hello" })).messageId.replace(/^<|>$/g, "");

  // The first process takes the lease and proves it fetches; the second stands by.
  let active = await startNode(env);
  await until(() => redis.exists(leaseKey), "the first poller's lease", 30_000);
  const first = await send("warm-up");
  await until(() => fetchedAt(first), "the warm-up message", 60_000);
  let standby = await startNode(env);
  const results: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    await sleep(2_000); // the standby is in its retry loop
    const holder = await redis.get(leaseKey);
    const killedAt = Date.now();
    active.kill("SIGKILL");
    const messageId = await send(`failover round ${round}`);
    const at = await until(() => fetchedAt(messageId), `round ${round}'s message`, 120_000);
    const ms = at.getTime() - killedAt;
    const taken = (await redis.get(leaseKey)) !== holder;
    results.push(ms);
    log(`round ${round}: active poller killed → message fetched by the standby after ${(ms / 1000).toFixed(1)} s (lease changed hands: ${taken})`);
    active = standby;
    standby = await startNode(env);
  }
  const sorted = [...results].sort((a, b) => a - b);
  console.log(
    `failover: killed active poller → next message fetched in median ${(sorted[Math.floor(sorted.length / 2)]! / 1000).toFixed(1)} s, ` +
      `max ${(sorted.at(-1)! / 1000).toFixed(1)} s over ${ROUNDS} rounds (lease TTL ${LEASE_TTL_MS / 1000} s; target ≤ 10 s)`,
  );
  for (const c of [active, standby]) c.kill("SIGTERM");
  smtp.close();
  await watch.end();
  redis.disconnect();
  redisServer.kill("SIGTERM");
  process.exit(0);
}

main().catch((err: Error) => {
  console.error(`bench:failover failed: ${err.stack ?? err.message}`);
  process.exit(1);
});

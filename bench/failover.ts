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
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import nodemailer from "nodemailer";
import pg from "pg";
import { LEASE_TTL_MS } from "../src/pipeline/poll/mailbox-lease.ts";
import { freshDatabase } from "./fresh-database.ts";
import { configureBenchHelpdesk, privateRedis, RUN, startNode } from "./processes.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" } } });
const ROUNDS = Math.max(1, Number(values.rounds));
const ROOT = path.resolve(import.meta.dirname, "..");
const TREE = path.basename(ROOT).replace(/[^a-zA-Z0-9]/g, "_").toLowerCase();
const DB_URL = `postgresql://postgres@127.0.0.1:5432/mailcase_bench_${TREE}_failover`;
const log = (msg: string): void => void process.stderr.write(`failover: ${msg}\n`);

async function until<T>(fn: () => Promise<T | null | undefined | false>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function main(): Promise<void> {
  await freshDatabase(DB_URL);
  const redisServer = await privateRedis();
  const redisUrl = redisServer.url;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });

  const support = `failover-${RUN}@helpdesk.test`;
  const prefix = `failover-${TREE}-${RUN}`;
  await configureBenchHelpdesk(DB_URL, { key: "fo", address: support, name: "Failover" }, `dana-${RUN}@helpdesk.test`);
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
  let active = (await startNode(env, true)).child;
  await until(() => redis.exists(leaseKey), "the first poller's lease", 30_000);
  const first = await send("warm-up");
  await until(() => fetchedAt(first), "the warm-up message", 60_000);
  let standby = (await startNode(env, true)).child;
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
    standby = (await startNode(env, true)).child;
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
  redisServer.stop();
  process.exit(0);
}

main().catch((err: Error) => {
  console.error(`bench:failover failed: ${err.stack ?? err.message}`);
  process.exit(1);
});

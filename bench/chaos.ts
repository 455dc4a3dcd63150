/**
 * Fault test: N messages (default 1000) go through a poller and two workers running as separate
 * processes, while processes are SIGKILLed at random (default 10 times) and Redis is restarted once
 * (it keeps nothing on disk, so every queued job is lost). Afterwards every message must be exactly one
 * case and every acknowledgement must have gone out exactly once (checked in the customers' real IMAP
 * mailboxes).
 *
 *   npm run chaos [-- --messages 1000 --kills 10 --redis-restarts 1]
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { ImapFlow } from "imapflow";
import nodemailer from "nodemailer";
import pg from "pg";
import { applyConfig } from "../src/config/apply-config.ts";
import { loadEnv } from "../src/config/env.ts";
import { parseHelpdeskConfig } from "../src/config/helpdesk-config.ts";
import { createDb } from "../src/db/client.ts";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "1000" },
    kills: { type: "string", default: "10" },
    "redis-restarts": { type: "string", default: "1" },
    seed: { type: "string", default: String(Date.now()) },
  },
});
const N = Number(values.messages);
const KILLS = Number(values.kills);
const REDIS_RESTARTS = Number(values["redis-restarts"]);
const ROOT = path.resolve(import.meta.dirname, "..");
const DB_URL = process.env.CHAOS_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/mailcase_chaos";
const PASSWORD = process.env.MAIL_LAB_PASSWORD ?? "lab-secret";
const run = Date.now().toString(36);
const support = `chaos-${run}@helpdesk.test`;
const prefix = `chaos-${run}`;

// Small deterministic PRNG so a failing run can be replayed with --seed.
let state = Number(values.seed) % 2 ** 31 || 1;
const random = () => ((state = (state * 48271) % 2147483647) - 1) / 2147483646;

const log = (msg: string) => process.stderr.write(`chaos: ${msg}\n`);

async function freshDatabase(): Promise<void> {
  const name = new URL(DB_URL).pathname.slice(1);
  const admin = new pg.Client({ connectionString: Object.assign(new URL(DB_URL), { pathname: "/postgres" }).toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  execFileSync("npx", ["prisma", "migrate", "deploy"], { cwd: ROOT, env: { ...process.env, DATABASE_URL: DB_URL }, stdio: "pipe" });
}

const procEnv = {
  ...process.env,
  DATABASE_URL: DB_URL,
  MAILCASE_REDIS_PREFIX: prefix,
  LOG_LEVEL: "error",
  POLL_INTERVAL_MS: "2000",
  SWEEP_INTERVAL_MS: "2000",
  SWEEP_GRACE_MS: "5000",
  WORKER_CONCURRENCY: "8",
  // The lab relay is local: no relay limit to respect, and 1000 acks at 20/s would dominate the run.
  MAILCASE_SEND_RATE_PER_SECOND: "10000",
};

type Role = "poller" | "worker";
const procs = new Map<string, { role: Role; child: ChildProcess }>();
function startProc(name: string, role: Role): void {
  const child = spawn(process.execPath, [path.join(ROOT, "bin/mailcase.mjs"), role], { cwd: ROOT, env: procEnv, stdio: ["ignore", "ignore", "inherit"] });
  procs.set(name, { role, child });
}

function redisUp(): boolean {
  try {
    return execFileSync("redis-cli", ["-h", "127.0.0.1", "ping"], { stdio: "pipe" }).toString().trim() === "PONG";
  } catch {
    return false;
  }
}

async function restartRedis(): Promise<void> {
  // The machine's Redis keeps nothing on disk: a restart loses every queued job, which the sweeper must heal.
  try {
    execFileSync("redis-cli", ["-h", "127.0.0.1", "shutdown", "nosave"], { stdio: "pipe" });
  } catch {
    // shutdown closes the connection before answering
  }
  for (let i = 0; i < 50 && redisUp(); i++) await sleep(100);
  execFileSync("bash", [path.join(ROOT, "scripts/services.sh")], { stdio: "inherit" });
  for (let i = 0; i < 100 && !redisUp(); i++) await sleep(100);
  if (!redisUp()) throw new Error("Redis did not come back");
}

async function countAcksInMailboxes(customers: string[]): Promise<{ missing: string[]; duplicated: string[] }> {
  const missing: string[] = [];
  const duplicated: string[] = [];
  for (const address of customers) {
    const c = new ImapFlow({ host: "127.0.0.1", port: 1143, secure: false, auth: { user: address, pass: PASSWORD }, logger: false });
    await c.connect();
    const lock = await c.getMailboxLock("INBOX");
    let n = 0;
    try {
      if (c.mailbox && c.mailbox.exists > 0) for await (const m of c.fetch("1:*", { envelope: true })) if (m.envelope?.subject?.startsWith("[MC-")) n++;
    } finally {
      lock.release();
      await c.logout();
    }
    if (n === 0) missing.push(address);
    if (n > 1) duplicated.push(address);
  }
  return { missing, duplicated };
}

async function main(): Promise<void> {
  await freshDatabase();
  const db = createDb(DB_URL);
  loadEnv(procEnv);
  await applyConfig(
    db,
    parseHelpdeskConfig({
      settings: { defaultArea: "helpdesk" },
      areas: [{ key: "helpdesk", name: "Helpdesk", agent: "dana" }],
      mailboxes: [{ key: "chaos", address: support, name: "Chaos Support", imap: { host: "127.0.0.1", port: 1143, user: support, password: PASSWORD } }],
      agents: [{ key: "dana", name: "Dana", email: `dana-${run}@helpdesk.test` }],
      slaContracts: [{ key: "std", name: "Standard", targets: { NORMAL: { firstResponse: "4h", resolution: "2d" } } }],
      customerGroups: [{ key: "chaos", name: "Chaos", sla: "std", members: { domains: ["bench.test"] } }],
    }),
  );
  startProc("poller", "poller");
  startProc("worker-1", "worker");
  startProc("worker-2", "worker");

  const customers = Array.from({ length: N }, (_, i) => `chaos${i}-${run}@bench.test`);
  const smtp = nodemailer.createTransport({ host: "127.0.0.1", port: 2525, secure: false, ignoreTLS: true, pool: true, maxConnections: 4 });
  const started = Date.now();
  let sent = 0;
  const sending = (async () => {
    for (const [i, from] of customers.entries()) {
      await smtp.sendMail({ from, to: support, subject: `Chaos ${i}`, text: `Message ${i}` });
      sent++;
    }
  })();

  // Chaos: kills spread over the run, one Redis restart half-way.
  const events: string[] = [];
  const totalEvents = KILLS + REDIS_RESTARTS;
  const redisAt = new Set(Array.from({ length: REDIS_RESTARTS }, (_, i) => Math.floor(((i + 1) * totalEvents) / (REDIS_RESTARTS + 1))));
  for (let e = 0; e < totalEvents; e++) {
    await sleep(500 + random() * 2500);
    if (redisAt.has(e)) {
      await restartRedis();
      events.push(`redis restart at ${sent} sent`);
      log(events.at(-1)!);
      continue;
    }
    const names = [...procs.keys()];
    const name = names[Math.floor(random() * names.length)]!;
    const p = procs.get(name)!;
    p.child.kill("SIGKILL");
    await once(p.child, "exit");
    startProc(name, p.role);
    events.push(`SIGKILL ${name} at ${sent} sent`);
    log(events.at(-1)!);
  }
  await sending;
  smtp.close();
  log(`all ${N} messages accepted by SMTP after ${((Date.now() - started) / 1000).toFixed(1)} s; waiting for the system to settle`);

  const deadline = Date.now() + Math.max(180_000, N * 400);
  for (;;) {
    const [processed, acksSent] = await Promise.all([
      db.inboundMessage.count({ where: { status: { not: "PENDING" } } }),
      db.outboundMail.count({ where: { kind: "ACK", status: "SENT" } }),
    ]);
    if (processed >= N && acksSent >= N) break;
    if (Date.now() > deadline) throw new Error(`not settled: ${processed}/${N} processed, ${acksSent}/${N} acks sent`);
    await sleep(1000);
  }
  const settled = (Date.now() - started) / 1000;
  for (const { child } of procs.values()) child.kill("SIGTERM");

  const [inbound, cases, quarantined, ackRows] = await Promise.all([
    db.inboundMessage.count(),
    db.case.count(),
    db.inboundMessage.count({ where: { status: "QUARANTINED" } }),
    db.outboundMail.count({ where: { kind: "ACK" } }),
  ]);
  const mailboxes = await countAcksInMailboxes(customers);
  await db.$disconnect();
  const ok = inbound === N && cases === N && quarantined === 0 && ackRows === N && mailboxes.missing.length === 0 && mailboxes.duplicated.length === 0;
  console.log(
    JSON.stringify({ messages: N, kills: KILLS, redisRestarts: REDIS_RESTARTS, seed: values.seed, inbound, cases, quarantined, ackRows, acksMissing: mailboxes.missing.length, acksDuplicated: mailboxes.duplicated.length, settledSeconds: settled, events }),
  );
  console.log(`chaos: ${N} msgs, ${KILLS} kills, ${REDIS_RESTARTS} redis restarts: ${cases} cases, ${ackRows} acks, ${mailboxes.missing.length} missing, ${mailboxes.duplicated.length} duplicated — ${ok ? "PASS" : "FAIL"}`);
  if (!ok) process.exitCode = 1;
}

main().catch((err: Error) => {
  for (const { child } of procs.values()) child.kill("SIGKILL");
  console.error(`chaos failed: ${err.message}`);
  process.exit(1);
});

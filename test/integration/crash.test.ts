/**
 * Kill the worker in the middle of ingest (SIGKILL, mid-transaction) and restart it: no message lost,
 * none duplicated, every acknowledgement sent exactly once.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLAIM_LEASE_MS } from "../../src/pipeline/send/send.service.ts";
import { TEST_DATABASE_URL } from "../support/global-setup.ts";
import { inbox, labConfig, rand, sendMail, startApp, testEnv, waitFor, type App } from "../support/harness.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

function spawnWorker(prefix: string, faultDelayMs: number, notifyDelayMs = 0, extra: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [path.join(ROOT, "bin/mailcase.mjs"), "worker"], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: TEST_DATABASE_URL,
      MAILCASE_REDIS_PREFIX: prefix,
      WORKER_CONCURRENCY: "3",
      LOG_LEVEL: "warn",
      MAILCASE_FAULT_INGEST_DELAY_MS: String(faultDelayMs),
      MAILCASE_FAULT_NOTIFY_DELAY_MS: String(notifyDelayMs),
      // A post committed just before the kill is notified by the sweeper once it is SWEEP_GRACE_MS old:
      // sweep often, so recovery is bounded by the grace (30 s) and not by the production interval as well.
      SWEEP_INTERVAL_MS: "2000",
      ...extra,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
}

describe("worker killed mid-ingest", () => {
  const id = rand();
  const env = testEnv();
  let app: App;
  let worker: ChildProcess | null = null;

  beforeAll(async () => {
    // Only the poller runs in this process; ingest runs in a child we can SIGKILL.
    app = await startApp(labConfig(id), { env, roles: ["poller"] });
  });
  afterAll(async () => {
    worker?.kill("SIGKILL");
    await app?.close();
  });

  it("loses and duplicates nothing", async () => {
    const N = 12;
    const customers = Array.from({ length: N }, (_, i) => `crash-${id}-${i}@customer.test`);
    const db = app.rt.deps.db;
    // Each ingest transaction stalls 1.5 s before commit, so the kill lands inside open transactions.
    worker = spawnWorker(env.MAILCASE_REDIS_PREFIX, 1500);
    for (const [i, from] of customers.entries()) await sendMail({ from, to: app.support, subject: `Crash test ${i}`, text: `Message ${i}` });
    await waitFor(async () => (await db.case.count()) >= 2, "first cases committed", 60_000);
    const killedAt = await db.case.count();
    worker.kill("SIGKILL");
    await once(worker, "exit");
    expect(killedAt).toBeLessThan(N);

    worker = spawnWorker(env.MAILCASE_REDIS_PREFIX, 0);
    await waitFor(async () => (await db.inboundMessage.count({ where: { status: "PROCESSED" } })) === N, `all ${N} messages processed`, 90_000);
    // A mail whose SMTP send the kill interrupted stays SENDING until its claim lapses (CLAIM_LEASE_MS, 2 min):
    // it may have reached the relay, so it is retried only then. The sweeper (every 2 s here) re-sends it.
    await waitFor(async () => (await db.outboundMail.count({ where: { kind: "ACK", status: "SENT" } })) === N, "all acks sent", CLAIM_LEASE_MS + 60_000);

    expect(await db.inboundMessage.count()).toBe(N);
    expect(await db.case.count()).toBe(N);
    expect(await db.post.count({ where: { source: "CUSTOMER_EMAIL" } })).toBe(N);
    expect(await db.outboundMail.count({ where: { kind: "ACK" } })).toBe(N);
    for (const customer of customers) {
      const acks = await waitFor(async () => {
        const mails = await inbox(customer);
        return mails.length ? mails : null;
      }, `ack in ${customer}`);
      expect(acks).toHaveLength(1);
    }
  }, CLAIM_LEASE_MS + 240_000);
});

describe("worker killed between the ingest commit and the inline notify", () => {
  const id = rand();
  const env = testEnv();
  let app: App;
  let worker: ChildProcess | null = null;

  beforeAll(async () => {
    app = await startApp(labConfig(id), { env, roles: ["poller"] });
  });
  afterAll(async () => {
    worker?.kill("SIGKILL");
    await app?.close();
  });

  it("notifies the filed posts as soon as a worker is back, without waiting for the sweeper's grace", async () => {
    const N = 3;
    const customers = Array.from({ length: N }, (_, i) => `gap-${id}-${i}@customer.test`);
    const db = app.rt.deps.db;
    const posts = { source: "CUSTOMER_EMAIL" as const, subject: { startsWith: `Gap test ${id}` } };
    // Every post waits a minute between its commit and its notify: the kill always lands in that gap.
    worker = spawnWorker(env.MAILCASE_REDIS_PREFIX, 0, 60_000);
    for (const [i, from] of customers.entries()) await sendMail({ from, to: app.support, subject: `Gap test ${id} ${i}`, text: `Message ${i}` });
    await waitFor(async () => (await db.post.count({ where: posts })) === N, "all posts committed", 60_000);
    worker.kill("SIGKILL");
    await once(worker, "exit");
    expect(await db.post.count({ where: { ...posts, notifiedAt: null } })).toBe(N);

    // The sweeper's grace is out of reach here (10 minutes): what heals the gap is the restarted worker's
    // start-up pass (at once) or the retry of the stalled ingest jobs (once their lock lapses, up to 15 s, and a
    // stalled check runs, every 5 s). How long the worker takes to boot depends on the machine's load.
    const restartedAt = Date.now();
    worker = spawnWorker(env.MAILCASE_REDIS_PREFIX, 0, 0, { SWEEP_GRACE_MS: "600000" });
    await waitFor(async () => (await db.post.count({ where: { ...posts, notifiedAt: null } })) === 0, "all posts notified", 120_000);
    console.log(`crash gap: posts notified ${Date.now() - restartedAt} ms after the worker restarted (at ${restartedAt})`);
    await waitFor(async () => (await db.outboundMail.count({ where: { kind: "ACK", status: "SENT", toAddress: { in: customers } } })) === N, "all acks sent", 60_000);
    expect(await db.outboundMail.count({ where: { kind: "ACK", toAddress: { in: customers } } })).toBe(N);
  }, 240_000);
});

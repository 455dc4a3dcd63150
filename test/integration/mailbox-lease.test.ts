import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { LEASE_TTL_MS, MailboxLease } from "../../src/pipeline/poll/mailbox-lease.ts";
import { labConfig, rand, sendMail, startApp, testEnv, waitFor, type App } from "../support/harness.ts";

// Uses the local Redis (a real one: a lease is only as good as its Lua scripts).
describe("MailboxLease", () => {
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { lazyConnect: true, maxRetriesPerRequest: 1 });
  const key = `mctest-lease-${Date.now()}-${Math.random()}`;
  afterAll(async () => {
    await redis.del(key).catch(() => undefined);
    redis.disconnect();
  });

  it("lets one holder in, lets it re-acquire its own lease at once, and hands over after release", async () => {
    const a = new MailboxLease(redis, key, 5_000);
    const b = new MailboxLease(redis, key, 5_000);
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    expect(await a.acquire()).toBe(true);
    expect(await b.extend()).toBe(false);
    await b.release();
    expect(await b.acquire()).toBe(false);
    await a.release();
    expect(await b.acquire()).toBe(true);
  });
});

describe("poller fail-over", () => {
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { lazyConnect: true, maxRetriesPerRequest: 1 });
  let app: App | null = null;
  afterAll(async () => {
    await app?.close();
    redis.disconnect();
  });

  it("a standby poller fetches new mail within 10 s of the active poller dying with its lease held", async () => {
    const id = rand();
    const env = testEnv();
    const cfg = labConfig(id);
    // The lease of a poller that was SIGKILLed: taken, never renewed, never released.
    const dead = new MailboxLease(redis, `${env.MAILCASE_REDIS_PREFIX}:poller-lease:${cfg.mailboxes[0]!.key}`);
    expect(await dead.acquire()).toBe(true);
    const killedAt = Date.now();
    app = await startApp(cfg, { env, roles: ["poller"] });
    const messageId = await sendMail({ from: `failover-${id}@customer.test`, to: app.support, subject: "Anyone there?", text: "Hello" });
    const db = app.rt.deps.db;
    // While the dead poller's lease is still valid nobody fetches: one active poller per mailbox.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, killedAt + LEASE_TTL_MS - 1_500 - Date.now())));
    expect(await db.inboundMessage.count({ where: { messageId } })).toBe(0);
    const row = await waitFor(() => db.inboundMessage.findFirst({ where: { messageId }, select: { fetchedAt: true } }), "the standby to fetch the message", 20_000);
    const failoverMs = row.fetchedAt.getTime() - killedAt;
    expect(failoverMs).toBeGreaterThanOrEqual(LEASE_TTL_MS - 1_500);
    expect(failoverMs).toBeLessThanOrEqual(10_000);
  });
});

import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { MailboxLease } from "../../src/pipeline/poll/mailbox-lease.ts";

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

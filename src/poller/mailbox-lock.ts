import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * A lease in Redis so only one poller per mailbox is active, however many poller processes run.
 * SET NX PX to take it, a compare-and-extend script to renew, compare-and-delete to release: a poller
 * that stalled past its lease can never extend or delete the lease a newer poller took meanwhile.
 */
const EXTEND = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

export class MailboxLease {
  private readonly token = randomUUID();
  constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly ttlMs = 30_000,
  ) {}

  async acquire(): Promise<boolean> {
    return (await this.redis.set(this.key, this.token, "PX", this.ttlMs, "NX")) === "OK";
  }

  async extend(): Promise<boolean> {
    return Number(await this.redis.eval(EXTEND, 1, this.key, this.token, String(this.ttlMs))) === 1;
  }

  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, this.token);
  }
}

import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * A lease in Redis so only one poller per mailbox is active, however many poller processes run.
 * SET NX PX to take it, a compare-and-extend script to renew, compare-and-delete to release: a poller
 * that stalled past its lease can never extend or delete the lease a newer poller took meanwhile.
 */
// Take the lease if it is free, or keep it if it is already ours (a reconnect must not wait out our own TTL).
const ACQUIRE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) elseif redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2], "NX") then return 1 else return 0 end`;
const EXTEND = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/**
 * Lease timing. A killed poller's lease lapses after TTL; a standby looks every STANDBY_RETRY_MS, so the
 * mailbox is unwatched for at most TTL + one retry + an IMAP login (target: under 10 s, measured by
 * `npm run bench:failover`). The holder renews every RENEW_MS, three chances per TTL, so only an event loop
 * stalled for seconds loses it, and losing it is safe: two pollers at once store nothing twice (store-raw's
 * unique keys, deterministic job ids).
 */
export const LEASE_TTL_MS = 6_000;
export const LEASE_RENEW_MS = 2_000;
export const STANDBY_RETRY_MS = 1_000;

export class MailboxLease {
  private readonly token = randomUUID();
  constructor(
    private readonly redis: Redis,
    readonly key: string,
    readonly ttlMs = LEASE_TTL_MS,
  ) {}

  async acquire(): Promise<boolean> {
    return Number(await this.redis.eval(ACQUIRE, 1, this.key, this.token, String(this.ttlMs))) === 1;
  }

  async extend(): Promise<boolean> {
    return Number(await this.redis.eval(EXTEND, 1, this.key, this.token, String(this.ttlMs))) === 1;
  }

  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, this.token);
  }
}

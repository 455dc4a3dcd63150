/**
 * Watches one mailbox folder: IDLE for prompt delivery, a periodic poll as the safety net (and the only
 * mechanism on servers without IDLE). For every message above the cursor:
 *   store raw bytes (PostgreSQL) → enqueue ingest job (deterministic id) → advance cursor → mark \Seen / move.
 * A crash between any two steps loses nothing (the cursor has not moved, so the message is fetched again)
 * and duplicates nothing (the unique keys in store-raw and the job id absorb the repeat).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { ImapFlow } from "imapflow";
import type { Redis } from "ioredis";
import type { Deps } from "../../kernel/deps.ts";
import type { Mailbox } from "../../generated/prisma/client.ts";
import { enqueueIngest } from "../ingest/ingest.job.ts";
import { LEASE_RENEW_MS, MailboxLease, STANDBY_RETRY_MS } from "./mailbox-lease.ts";
import { storeRawBatch, type RawAtUid } from "./store-raw.ts";

/** Bytes of raw messages held in memory and inserted together (one statement); a bigger message goes alone. */
const RAW_CHUNK_BYTES = 8 * 1024 * 1024;

/** Consecutive groups whose sizes add up to at most `max` (a single item over it forms its own group). Pure. */
export function chunkBySize<T>(items: readonly T[], size: (item: T) => number, max: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const n = size(item);
    if (current.length && bytes + n > max) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += n;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

export interface PollerOptions {
  pollIntervalMs: number;
  /** A command (or a login) unanswered this long drops the connection; the loop then reconnects. */
  timeoutMs: number;
  redis: Redis;
  redisPrefix: string;
  /** Resolves a mailbox's configured password (env var name or literal). */
  password: (mailbox: Mailbox) => string;
  batchSize?: number;
}

/** The watched folder is gone: a configuration or mailbox problem, not a network one. */
export class FolderMissingError extends Error {
  override name = "FolderMissingError";
}

export interface SyncResult {
  fetched: number;
  stored: number;
  duplicates: number;
  uidValidityChanged: boolean;
}

export class MailboxPoller {
  private client: ImapFlow | null = null;
  private stopped = false;
  private syncing: Promise<SyncResult> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly lease: MailboxLease;
  private readonly log;
  private done: Promise<void> | null = null;

  constructor(
    private readonly deps: Deps,
    private readonly mailbox: Mailbox,
    private readonly opts: PollerOptions,
  ) {
    this.lease = new MailboxLease(opts.redis, `${opts.redisPrefix}:poller-lease:${mailbox.key}`);
    this.log = deps.log.child({ mailbox: mailbox.key });
  }

  start(): void {
    this.done ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.client?.logout().catch(() => undefined);
    await this.done;
    await this.lease.release().catch(() => undefined);
  }

  /** Outer loop: hold the lease, keep a connection, reconnect with backoff. */
  private async loop(): Promise<void> {
    let backoff = 1_000;
    while (!this.stopped) {
      if (!(await this.lease.acquire().catch(() => false))) {
        // Another poller holds this mailbox; stand by and take over soon after its lease expires.
        await sleep(STANDBY_RETRY_MS);
        continue;
      }
      try {
        await this.session();
        backoff = 1_000;
      } catch (err) {
        if (err instanceof FolderMissingError) {
          // Renamed or deleted by someone: say so loudly, and look again every poll interval (not with a
          // growing backoff), so mail is picked up as soon as the folder is back or the config is fixed.
          this.log.error({ folder: this.mailbox.folder }, err.message);
          if (this.stopped) break;
          await sleep(this.opts.pollIntervalMs);
          continue;
        }
        this.log.warn({ err: (err as Error).message }, "imap session ended");
      }
      if (this.stopped) break;
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 60_000);
    }
  }

  /** One IMAP connection, alive until it closes, the lease is lost, or stop() is called. */
  private async session(): Promise<void> {
    const m = this.mailbox;
    const client = new ImapFlow({
      host: m.imapHost,
      port: m.imapPort,
      secure: m.imapSecure,
      auth: { user: m.imapUser, pass: this.opts.password(m) },
      logger: false,
      // IDLE is restarted periodically; a dead TCP connection surfaces as 'close' within this bound.
      maxIdleTime: 5 * 60_000,
      // imapflow's own auto-IDLE waits 15 s without commands, and with any poll interval under that it never
      // runs: a new message then waits for the next poll. requestSync() enters IDLE itself right after each
      // sync; this shorter delay is the backstop for any other command that leaves the connection free.
      autoIdleDelay: 1_000,
      // A connection that went silent without closing (a NAT that forgot it) would hang the next poll until
      // the socket's default of five minutes. imapflow probes a quiet IDLE with NOOP and closes on a
      // command left unanswered this long; the loop below then logs in anew.
      socketTimeout: this.opts.timeoutMs,
      connectionTimeout: this.opts.timeoutMs,
      greetingTimeout: this.opts.timeoutMs,
    });
    this.client = client;
    const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    client.on("error", (err: Error) => this.log.warn({ err: err.message }, "imap error"));
    client.on("exists", () => this.requestSync());
    // Renewed from the start, not only once the folder is open: a slow login must not outlast the short TTL.
    const renew = setInterval(() => {
      void this.lease.extend().then(
        (ok) => {
          if (ok) return;
          this.log.warn("mailbox lease lost; disconnecting");
          void client.logout().catch(() => client.close());
        },
        () => undefined,
      );
    }, LEASE_RENEW_MS);
    try {
      await client.connect();
      try {
        await client.mailboxOpen(m.folder);
      } catch (err) {
        await client.logout().catch(() => undefined);
        const code = (err as { serverResponseCode?: string }).serverResponseCode;
        if (code === "NONEXISTENT" || /doesn't exist|not exist|unknown mailbox/i.test((err as { responseText?: string }).responseText ?? "")) {
          throw new FolderMissingError(`folder "${m.folder}" does not exist on the server (renamed or deleted?); nothing is fetched until it is back`);
        }
        throw err;
      }
      this.log.info({ folder: m.folder }, "watching mailbox");
      this.timer = setInterval(() => this.requestSync(), this.opts.pollIntervalMs);
      this.requestSync();
      await closed;
    } finally {
      clearInterval(renew);
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      this.client = null;
    }
  }

  /** Coalesces sync requests: at most one running, at most one queued behind it. */
  requestSync(): void {
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = this.syncOnce()
      .catch((err: Error) => {
        this.log.warn({ err: err.message }, "sync failed");
        return { fetched: 0, stored: 0, duplicates: 0, uidValidityChanged: false };
      })
      .finally(() => {
        this.syncing = null;
        if (this.again && !this.stopped) {
          this.again = false;
          this.requestSync();
        } else if (!this.stopped) this.idle();
      });
  }

  /**
   * Enters IDLE now that the fetch is done, so the server's next EXISTS reaches us within its own notify delay
   * instead of at the next poll. The promise only settles when IDLE ends (the next command breaks it), so it
   * is not awaited; `whenFree` waits for anything still queued on the connection rather than interleaving.
   */
  private idle(): void {
    const client = this.client;
    if (!client?.usable || client.idling) return;
    client.idle({ whenFree: true }).catch((err: Error) => this.log.debug({ err: err.message }, "IDLE ended with an error"));
  }

  private async syncOnce(): Promise<SyncResult> {
    const client = this.client;
    const result: SyncResult = { fetched: 0, stored: 0, duplicates: 0, uidValidityChanged: false };
    if (!client?.usable) return result;
    const m = this.mailbox;
    const lock = await client.getMailboxLock(m.folder);
    try {
      const box = client.mailbox;
      if (!box) return result;
      const uidValidity = BigInt(box.uidValidity);
      const cursor = await this.deps.db.mailboxCursor.findUnique({ where: { mailboxId_folder: { mailboxId: m.id, folder: m.folder } } });
      let lastUid = 0n;
      if (cursor && cursor.uidValidity === uidValidity) lastUid = cursor.lastUid;
      else if (cursor) {
        // UIDVALIDITY changed: every UID is new. Rescan from the start; store-raw dedupes by Message-ID.
        result.uidValidityChanged = true;
        this.log.warn({ old: String(cursor.uidValidity), new: String(uidValidity) }, "UIDVALIDITY changed; full rescan");
      }
      const found = await client.search({ uid: `${lastUid + 1n}:*` }, { uid: true });
      // "n:*" always matches the highest UID even when it is below n: filter.
      const uids = (Array.isArray(found) ? found : []).filter((u) => BigInt(u) > lastUid).sort((a, b) => a - b);
      const batchSize = this.opts.batchSize ?? 50;
      for (let i = 0; i < uids.length && !this.stopped; i += batchSize) {
        const batch = uids.slice(i, i + batchSize);
        const toIngest = new Set<number>();
        // Sizes first: a message over the cap is never downloaded whole, only its header is kept (ingest then
        // quarantines it and tells the sender), so one 2 GB attachment cannot exhaust memory or the database.
        const oversize = new Map<number, number>();
        const sizes = new Map<number, number>();
        for await (const msg of client.fetch(batch.join(","), { uid: true, size: true }, { uid: true })) {
          if (msg.size !== undefined && msg.size > this.deps.limits.maxMessageBytes) oversize.set(msg.uid, msg.size);
          sizes.set(msg.uid, msg.size ?? 0);
        }
        const normal = batch.filter((u) => !oversize.has(u));
        // Stored with one multi-row INSERT per chunk (two statements, not two per message); a chunk holds at most
        // RAW_CHUNK_BYTES of messages (or one bigger message), so memory stays bounded however large the batch.
        const store = async (fetched: RawAtUid[]): Promise<void> => {
          const results = await storeRawBatch(this.deps.db, { mailboxId: m.id, folder: m.folder, uidValidity }, fetched);
          for (const stored of results) {
            result.fetched++;
            if (stored.kind === "stored") {
              result.stored++;
              toIngest.add(stored.inboundId);
            } else {
              result.duplicates++;
              if (stored.status === "PENDING") toIngest.add(stored.inboundId);
            }
          }
        };
        if (oversize.size) {
          const heads: RawAtUid[] = [];
          for await (const msg of client.fetch([...oversize.keys()].join(","), { uid: true, headers: true }, { uid: true })) {
            if (msg.headers) heads.push({ uid: BigInt(msg.uid), raw: msg.headers, oversizeBytes: oversize.get(msg.uid) ?? null });
          }
          await store(heads);
        }
        // A UID missing from the answer was expunged by another client meanwhile: there is nothing left to keep.
        for (const chunk of chunkBySize(normal, (u) => sizes.get(u) ?? 0, RAW_CHUNK_BYTES)) {
          const fetched: RawAtUid[] = [];
          for await (const msg of client.fetch(chunk.join(","), { uid: true, source: true }, { uid: true })) {
            if (msg.source) fetched.push({ uid: BigInt(msg.uid), raw: msg.source, oversizeBytes: null });
          }
          await store(fetched);
        }
        await enqueueIngest(this.deps.queues.ingest, [...toIngest]);
        const maxUid = BigInt(batch[batch.length - 1]!);
        await this.deps.db.mailboxCursor.upsert({
          where: { mailboxId_folder: { mailboxId: m.id, folder: m.folder } },
          create: { mailboxId: m.id, folder: m.folder, uidValidity, lastUid: maxUid },
          update: { uidValidity, lastUid: maxUid },
        });
        // Marking comes last: it is a courtesy to humans reading the mailbox, not our source of truth.
        if (m.afterFetch === "move" && m.moveTo) await client.messageMove(batch.join(","), m.moveTo, { uid: true });
        else await client.messageFlagsAdd(batch.join(","), ["\\Seen"], { uid: true });
      }
      if (!cursor) {
        await this.deps.db.mailboxCursor.upsert({
          where: { mailboxId_folder: { mailboxId: m.id, folder: m.folder } },
          create: { mailboxId: m.id, folder: m.folder, uidValidity, lastUid: 0n },
          update: {},
        });
      }
      if (result.fetched) this.log.info(result, "fetched");
      return result;
    } finally {
      lock.release();
    }
  }
}

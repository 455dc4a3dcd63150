/**
 * Where ingest reads, writes and sends its follow-up jobs. Live: the client, a real transaction, the
 * queues. Dry run / replay: everything inside one outer transaction the caller rolls back (or commits),
 * with follow-up jobs collected instead of enqueued — so a dry run runs exactly the live code.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { DbOrTx } from "../../db/client.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { Deps } from "../../kernel/deps.ts";
import type { ThreadRule } from "../../threading/resolve-thread.ts";
import { notifyNow, type NotifyPayload } from "../notify/notify.job.ts";
import { enqueueSend } from "../send/send.job.ts";
import { scheduleSla } from "../sla/sla-watch.service.ts";

export type Tx = Prisma.TransactionClient;

export interface IngestIo {
  db: DbOrTx;
  tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  notify(items: NotifyPayload[]): Promise<void>;
  /** Outbox rows written directly by ingest (notices), to be sent after commit. */
  send(outboundIds: number[]): Promise<void>;
  /**
   * Re-schedules the SLA watch of cases whose due times may have moved; after commit. `known`: cases' scheduling
   * rows the caller already has (a new case's, from the statement that opened it), not read again.
   */
  sla(caseIds: number[], known?: readonly unknown[]): Promise<void>;
  faultDelayMs: number;
}

export function liveIo(deps: Deps): IngestIo {
  return {
    db: deps.db,
    tx: (fn) => deps.db.$transaction(fn, { timeout: 30_000 + deps.faultIngestDelayMs, maxWait: 10_000 }),
    notify: async (items) => {
      if (deps.faultNotifyDelayMs > 0) await sleep(deps.faultNotifyDelayMs);
      await notifyNow(deps, items);
    },
    send: (ids) => enqueueSend(deps.queues.send, ids),
    sla: async (ids, known) => void (await scheduleSla(deps, ids, known)),
    faultDelayMs: deps.faultIngestDelayMs,
  };
}

export function txIo(tx: Tx, collected: NotifyPayload[]): IngestIo {
  // Replay and dry runs send nothing from here: quiet imports stay quiet.
  return { db: tx, tx: (fn) => fn(tx), notify: async (items) => void collected.push(...items), send: async () => undefined, sla: async () => undefined, faultDelayMs: 0 };
}

export type IngestOutcome =
  | { kind: "missing" }
  | { kind: "already-done"; status: string }
  | { kind: "case-created"; caseId: number; number: number; postId: number }
  | { kind: "post-added"; caseId: number; postId: number; rule: ThreadRule; visibility: string }
  | { kind: "commands-applied"; caseId: number; changed: string[] }
  | { kind: "quarantined"; reason: string };

/** The notify job of a post: a new case's opening post or a post on an existing case. */
export function notifyFor(post: { id: number; threadRule: string }): NotifyPayload {
  return { v: 1, postId: post.id, event: post.threadRule === "new-case" ? "case-opened" : "post-added" };
}

/**
 * The one writer of an inbound message's status. PENDING is the guard of idempotency: a message moves to
 * PROCESSED (with the case it was filed on) or QUARANTINED (with the reason, raw bytes kept) exactly once,
 * inside the same transaction as what it produced, so a retried or duplicated job never files it twice.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { isRawUniqueViolationOn } from "../../db/client.ts";
import type { Deps } from "../../kernel/deps.ts";
import type { IngestIo, IngestOutcome, Tx } from "./ingest-io.ts";

/**
 * How a guarded transaction keeps a second worker on the same message from filing it twice.
 * - "lock" (default): the transaction starts by locking the inbound row; the loser waits, then sees PROCESSED.
 * - "filing": no statement of its own. Every outcome of the path writes a Post with this `inboundId` (unique
 *   index `Post_inboundId_key`) or quarantines through `quarantineInTx`, so a racing twin fails on that index
 *   (or finds the row no longer PENDING) and its whole transaction rolls back. One round trip less per
 *   message, for the customer path that every new case takes; the job's own up-front read already turns
 *   away a message filed before it started, so only a true race reaches the index.
 */
export type InboundGuard = "lock" | "filing";

/** Thrown inside a "filing" guarded transaction when another worker took the message first. */
class InboundTaken extends Error {}

/** Runs `fn` in a transaction guarded as `guard` says; returns null when another worker won. */
export async function inGuardedTx<T>(io: IngestIo, inboundId: number, fn: (tx: Tx) => Promise<T>, guard: InboundGuard = "lock"): Promise<T | null> {
  try {
    return await io.tx(async (tx) => {
      if (guard === "lock") {
        // Row lock: two workers racing on the same message serialise here; the loser sees PROCESSED.
        const rows = await tx.$queryRaw<{ status: string }[]>`SELECT status::text FROM "InboundMessage" WHERE id = ${inboundId} FOR UPDATE`;
        if (rows[0]?.status !== "PENDING") return null;
      }
      const result = await fn(tx);
      if (io.faultDelayMs > 0) await sleep(io.faultDelayMs);
      return result;
    });
  } catch (err) {
    if (guard !== "filing" || !(err instanceof InboundTaken || isRawUniqueViolationOn(err, "Post_inboundId_key"))) throw err;
    // Lost the race: the winner has committed (the index waited for it). Anything else is retried as an error.
    const row = await io.db.inboundMessage.findUnique({ where: { id: inboundId }, select: { status: true } });
    if (row?.status === "PENDING") throw err;
    return null;
  }
}

/** Quarantines inside a "filing" guarded transaction: a message some other worker already took rolls it back. */
export async function quarantineInTx(deps: Deps, tx: Tx, inboundId: number, reason: string): Promise<void> {
  if (!(await markQuarantined(deps, tx, inboundId, reason))) throw new InboundTaken(`inbound ${inboundId} is no longer pending`);
}

export async function markProcessed(deps: Deps, tx: Tx, inboundId: number, caseId: number, outcome: string): Promise<void> {
  await tx.inboundMessage.update({ where: { id: inboundId }, data: { status: "PROCESSED", outcome, caseId, processedAt: deps.clock.now() } });
}

/** Quarantines a PENDING message with its reason; false when it was no longer PENDING (another worker won). */
export async function markQuarantined(deps: Deps, db: Pick<Tx, "inboundMessage">, inboundId: number, reason: string): Promise<boolean> {
  const done = await db.inboundMessage.updateMany({
    where: { id: inboundId, status: "PENDING" },
    data: { status: "QUARANTINED", reason, outcome: "quarantined", processedAt: deps.clock.now() },
  });
  return done.count > 0;
}

/** Quarantines the message with its reason and says so in the log. */
export async function quarantine(deps: Deps, io: IngestIo, inboundId: number, reason: string): Promise<IngestOutcome> {
  await markQuarantined(deps, io.db, inboundId, reason);
  deps.log.warn({ inboundId, reason }, "message quarantined");
  return { kind: "quarantined", reason };
}

/** After a guarded transaction found the message no longer PENDING: what it became. */
export async function alreadyDone(io: IngestIo, inboundId: number): Promise<IngestOutcome> {
  const again = await io.db.inboundMessage.findUnique({ where: { id: inboundId }, select: { status: true } });
  return { kind: "already-done", status: again?.status ?? "missing" };
}

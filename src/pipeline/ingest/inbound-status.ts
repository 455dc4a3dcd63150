/**
 * The one writer of an inbound message's status. PENDING is the guard of idempotency: a message moves to
 * PROCESSED (with the case it was filed on) or QUARANTINED (with the reason, raw bytes kept) exactly once,
 * inside the same transaction as what it produced, so a retried or duplicated job never files it twice.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Deps } from "../../kernel/deps.ts";
import type { IngestIo, IngestOutcome, Tx } from "./ingest-io.ts";

/** Runs `fn` in a transaction that first re-checks the inbound guard; returns null when another worker won. */
export async function inGuardedTx<T>(io: IngestIo, inboundId: number, fn: (tx: Tx) => Promise<T>): Promise<T | null> {
  return io.tx(async (tx) => {
    // Row lock: two workers racing on the same message serialise here; the loser sees PROCESSED.
    const rows = await tx.$queryRaw<{ status: string }[]>`SELECT status::text FROM "InboundMessage" WHERE id = ${inboundId} FOR UPDATE`;
    if (rows[0]?.status !== "PENDING") return null;
    const result = await fn(tx);
    if (io.faultDelayMs > 0) await sleep(io.faultDelayMs);
    return result;
  });
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

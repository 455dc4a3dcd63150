/**
 * Durable first step of ingest: the raw bytes go into PostgreSQL before anything else happens.
 * Unique keys on (mailbox, folder, UIDVALIDITY, UID) and (mailbox, Message-ID) make a re-fetch after a
 * crash, or the same message appearing under another UID, a no-op that returns the existing row.
 */
import type { DbOrTx } from "../../db/client.ts";
import { isUniqueViolation } from "../../db/client.ts";
import { messageIdOf } from "./raw-headers.ts";

export type StoreResult = { kind: "stored"; inboundId: number } | { kind: "duplicate"; inboundId: number; status: string };

export async function storeRaw(
  db: DbOrTx,
  at: { mailboxId: number; folder: string; uidValidity: bigint; uid: bigint },
  raw: Buffer,
  /** The real size when `raw` is only the header of a message over the size cap. */
  oversizeBytes: number | null = null,
): Promise<StoreResult> {
  const { messageId, sha256 } = messageIdOf(raw);
  // Look first: inside a transaction (replay) a unique violation would abort the whole transaction.
  const found = await findExisting(db, at, messageId);
  if (found) return { kind: "duplicate", inboundId: found.id, status: found.status };
  try {
    const row = await db.inboundMessage.create({
      data: { ...at, messageId, sha256, size: oversizeBytes ?? raw.length, oversizeBytes, raw: new Uint8Array(raw) },
      select: { id: true },
    });
    return { kind: "stored", inboundId: row.id };
  } catch (err) {
    // Lost a race with another poller copy (outside a transaction): the other row is ours too.
    if (!isUniqueViolation(err)) throw err;
    const existing = await findExisting(db, at, messageId);
    if (!existing) throw err;
    return { kind: "duplicate", inboundId: existing.id, status: existing.status };
  }
}

function findExisting(db: DbOrTx, at: { mailboxId: number; folder: string; uidValidity: bigint; uid: bigint }, messageId: string) {
  return db.inboundMessage.findFirst({
    where: { mailboxId: at.mailboxId, OR: [{ folder: at.folder, uidValidity: at.uidValidity, uid: at.uid }, { messageId }] },
    select: { id: true, status: true },
  });
}

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

export interface RawAtUid {
  uid: bigint;
  raw: Buffer;
  /** The real size when `raw` is only the header of a message over the size cap. */
  oversizeBytes: number | null;
}

/**
 * storeRaw for the messages of one IMAP fetch: one multi-row INSERT … ON CONFLICT DO NOTHING, then one SELECT for
 * the rows that already existed (a re-fetch after a crash, the same Message-ID under another UID, or twice in this
 * batch). Two statements per batch instead of two per message; same outcome per message as storeRaw, in order.
 * Not for use inside a transaction that must survive a conflict elsewhere: ON CONFLICT never aborts it, though.
 */
export async function storeRawBatch(db: DbOrTx, at: { mailboxId: number; folder: string; uidValidity: bigint }, messages: readonly RawAtUid[]): Promise<StoreResult[]> {
  if (messages.length === 0) return [];
  const rows = messages.map((m) => {
    const { messageId, sha256 } = messageIdOf(m.raw);
    return { ...at, uid: m.uid, messageId, sha256, size: m.oversizeBytes ?? m.raw.length, oversizeBytes: m.oversizeBytes, raw: new Uint8Array(m.raw) };
  });
  const inserted = await db.inboundMessage.createManyAndReturn({ data: rows, skipDuplicates: true, select: { id: true, uid: true, messageId: true } });
  // A row we inserted is ours only if it carries our UID (a repeated Message-ID in the batch inserts once).
  const mine = new Map(inserted.map((r) => [r.uid, r.id]));
  const rest = rows.filter((r) => !mine.has(r.uid));
  const existing = rest.length
    ? await db.inboundMessage.findMany({
        where: { mailboxId: at.mailboxId, OR: [{ folder: at.folder, uidValidity: at.uidValidity, uid: { in: rest.map((r) => r.uid) } }, { messageId: { in: rest.map((r) => r.messageId) } }] },
        select: { id: true, status: true, uid: true, folder: true, uidValidity: true, messageId: true },
      })
    : [];
  return rows.map((r): StoreResult => {
    const id = mine.get(r.uid);
    if (id !== undefined) return { kind: "stored", inboundId: id };
    // Same precedence as findExisting: this UID's own row, else the row with this Message-ID.
    const found =
      existing.find((e) => e.folder === at.folder && e.uidValidity === at.uidValidity && e.uid === r.uid) ?? existing.find((e) => e.messageId === r.messageId);
    if (!found) throw new Error(`storeRawBatch: message at UID ${r.uid} neither inserted nor found`);
    return { kind: "duplicate", inboundId: found.id, status: found.status };
  });
}

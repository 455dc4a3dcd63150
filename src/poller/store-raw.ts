/**
 * Durable first step of ingest: the raw bytes go into PostgreSQL before anything else happens.
 * Unique keys on (mailbox, folder, UIDVALIDITY, UID) and (mailbox, Message-ID) make a re-fetch after a
 * crash, or the same message appearing under another UID, a no-op that returns the existing row.
 */
import type { DbOrTx } from "../db/client.ts";
import { isUniqueViolation } from "../db/client.ts";
import { messageIdOf } from "./raw-headers.ts";

export type StoreResult = { kind: "stored"; inboundId: number } | { kind: "duplicate"; inboundId: number; status: string };

export async function storeRaw(
  db: DbOrTx,
  at: { mailboxId: number; folder: string; uidValidity: bigint; uid: bigint },
  raw: Buffer,
): Promise<StoreResult> {
  const { messageId, sha256 } = messageIdOf(raw);
  try {
    const row = await db.inboundMessage.create({
      data: { ...at, messageId, sha256, size: raw.length, raw: new Uint8Array(raw) },
      select: { id: true },
    });
    return { kind: "stored", inboundId: row.id };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const existing = await db.inboundMessage.findFirst({
      where: {
        mailboxId: at.mailboxId,
        OR: [{ folder: at.folder, uidValidity: at.uidValidity, uid: at.uid }, { messageId }],
      },
      select: { id: true, status: true },
    });
    if (!existing) throw err;
    return { kind: "duplicate", inboundId: existing.id, status: existing.status };
  }
}

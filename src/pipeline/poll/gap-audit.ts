/**
 * Gap audit: compares the UIDs on the server with the messages Mailcase stored, so a message skipped for
 * any reason (a bug, a manual cursor change, a crash in a place we did not foresee) is found instead of
 * silently lost. Read-only on the server.
 */
import { ImapFlow } from "imapflow";
import type { Deps } from "../../kernel/deps.ts";
import type { Mailbox } from "../../generated/prisma/client.ts";

export interface AuditInput {
  serverUids: readonly number[];
  storedUids: ReadonlySet<number>;
  lastUid: number;
}

/** Pure: UIDs at or below the cursor that were never stored are candidate gaps; above it, merely pending. */
export function compareUids(input: AuditInput): { candidates: number[]; pending: number[] } {
  const candidates: number[] = [];
  const pending: number[] = [];
  for (const uid of input.serverUids) {
    if (uid > input.lastUid) pending.push(uid);
    else if (!input.storedUids.has(uid)) candidates.push(uid);
  }
  return { candidates, pending };
}

export interface AuditResult {
  mailbox: string;
  folder: string;
  uidValidity: string;
  onServer: number;
  pending: number;
  /** Messages on the server that Mailcase never stored (neither by UID nor as a duplicate Message-ID). */
  gaps: { uid: number; messageId: string | null; subject: string | null }[];
  /** Candidates that turned out to be copies of a message stored under another UID. */
  duplicates: number;
  note: string | null;
}

export async function auditMailbox(deps: Deps, mailbox: Mailbox, password: string): Promise<AuditResult> {
  const client = new ImapFlow({ host: mailbox.imapHost, port: mailbox.imapPort, secure: mailbox.imapSecure, auth: { user: mailbox.imapUser, pass: password }, logger: false });
  await client.connect();
  try {
    const box = await client.mailboxOpen(mailbox.folder, { readOnly: true });
    const uidValidity = BigInt(box.uidValidity);
    const cursor = await deps.db.mailboxCursor.findUnique({ where: { mailboxId_folder: { mailboxId: mailbox.id, folder: mailbox.folder } } });
    const base = { mailbox: mailbox.key, folder: mailbox.folder, uidValidity: String(uidValidity) };
    const found = box.exists > 0 ? await client.search({ all: true }, { uid: true }) : [];
    const serverUids = Array.isArray(found) ? found : [];
    if (!cursor || cursor.uidValidity !== uidValidity) {
      return { ...base, onServer: serverUids.length, pending: serverUids.length, gaps: [], duplicates: 0, note: "cursor is on another UIDVALIDITY (a rescan is due): nothing to compare yet" };
    }
    const stored = await deps.db.inboundMessage.findMany({ where: { mailboxId: mailbox.id, folder: mailbox.folder, uidValidity }, select: { uid: true } });
    const { candidates, pending } = compareUids({ serverUids, storedUids: new Set(stored.map((s) => Number(s.uid))), lastUid: Number(cursor.lastUid) });
    const gaps: AuditResult["gaps"] = [];
    let duplicates = 0;
    if (candidates.length) {
      for await (const m of client.fetch(candidates.join(","), { uid: true, envelope: true }, { uid: true })) {
        const messageId = m.envelope?.messageId?.replace(/^<|>$/g, "") ?? null;
        const known = messageId ? await deps.db.inboundMessage.findFirst({ where: { mailboxId: mailbox.id, messageId }, select: { id: true } }) : null;
        if (known) duplicates++;
        else gaps.push({ uid: m.uid, messageId, subject: m.envelope?.subject ?? null });
      }
    }
    await deps.db.mailboxCursor.update({ where: { id: cursor.id }, data: { auditedAt: deps.clock.now(), auditGaps: gaps.length } });
    return { ...base, onServer: serverUids.length, pending: pending.length, gaps, duplicates, note: null };
  } finally {
    await client.logout().catch(() => undefined);
  }
}

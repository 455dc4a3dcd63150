/**
 * Sends one outbox row. The row's status is the guard (PENDING → SENDING → SENT | FAILED, or back to
 * PENDING on a transient error). The SENDING claim is what keeps two jobs for the same row (a sweeper
 * re-enqueue after Redis lost its queues, a stalled-job retry) from both talking SMTP at once; a claim older
 * than CLAIM_LEASE_MS belongs to a sender that died and may be taken over. The Message-ID is the row's
 * deterministic id, so if a crash between SMTP acceptance and the status update causes a resend, the copy is
 * recognisable as the same message by every mail client.
 */
import { UnrecoverableError } from "bullmq";
import type { Deps } from "../app/deps.ts";
import { isPermanentDeliveryError } from "./delivery-error.ts";
import type { Transport } from "./transport.ts";
import { z } from "zod";

export type SendOutcome = { kind: "missing" } | { kind: "not-pending"; status: string } | { kind: "sent"; response: string };

/** Longer than the transport's connection + socket timeouts together, so a live sender never loses its claim. */
export const CLAIM_LEASE_MS = 2 * 60_000;

const Headers = z.record(z.string(), z.string());

export async function sendOutbound(deps: Deps, transport: Transport, outboundId: number, finalAttempt: boolean): Promise<SendOutcome> {
  const row = await deps.db.outboundMail.findUnique({ where: { id: outboundId } });
  if (!row) return { kind: "missing" };
  if (row.status !== "PENDING" && row.status !== "SENDING") return { kind: "not-pending", status: row.status };
  const now = deps.clock.now();
  const claimed = await deps.db.outboundMail.updateMany({
    where: { id: outboundId, OR: [{ status: "PENDING" }, { status: "SENDING", claimedAt: { lt: new Date(now.getTime() - CLAIM_LEASE_MS) } }] },
    data: { status: "SENDING", claimedAt: now },
  });
  if (claimed.count === 0) return { kind: "not-pending", status: "SENDING" };
  try {
    const info = await transport.sendMail({
      messageId: `<${row.messageId}>`,
      from: { name: row.fromName, address: row.fromAddress },
      // Address objects, never strings: nodemailer splits a string on "," and ";" into several recipients.
      to: { name: "", address: row.toAddress },
      replyTo: row.replyTo ?? undefined,
      subject: row.subject,
      text: row.text,
      html: row.html ?? undefined,
      inReplyTo: row.inReplyTo ? `<${row.inReplyTo}>` : undefined,
      references: row.references.map((r) => `<${r}>`),
      headers: Headers.parse(row.headers),
      // Bounces must come back to the support mailbox so they can be filed on the case.
      envelope: { from: row.fromAddress, to: [{ name: "", address: row.toAddress }] },
    });
    await deps.db.outboundMail.updateMany({
      where: { id: outboundId, status: "SENDING" },
      data: { status: "SENT", sentAt: deps.clock.now(), attempts: { increment: 1 }, lastError: null },
    });
    return { kind: "sent", response: String(info.response ?? "") };
  } catch (err) {
    const permanent = isPermanentDeliveryError(err);
    const message = (err as Error).message;
    if (permanent || finalAttempt) {
      await deps.db.$transaction([
        deps.db.outboundMail.updateMany({ where: { id: outboundId, status: "SENDING" }, data: { status: "FAILED", attempts: { increment: 1 }, lastError: message } }),
        ...(row.caseId === null
          ? []
          : [deps.db.caseEvent.create({ data: { caseId: row.caseId, type: "mail.failed", data: { outboundId, to: row.toAddress, kind: row.kind, error: message, permanent } } })]),
      ]);
      if (permanent) throw new UnrecoverableError(`permanent delivery failure to ${row.toAddress}: ${message}`);
    } else {
      // Release the claim so the retry (or the sweeper, should the job be lost) can take the row again.
      await deps.db.outboundMail.updateMany({ where: { id: outboundId, status: "SENDING" }, data: { status: "PENDING", claimedAt: null, attempts: { increment: 1 }, lastError: message } });
    }
    throw err;
  }
}

/**
 * Delivery reports that come without a usable sender (a null `<>` envelope shown as no From, a bare
 * `MAILER-DAEMON` or `postmaster`): the bounce of one of our own mails is tied to its case by the returned
 * message's ids or by the reply token in an address, filed there as an internal post (which tells the owner and
 * the agent followers through the usual notification), and its hard-failed recipients are marked so nobody
 * mails them again until an operator clears them (`mailcase contact clear-bounce`). A report that matches
 * none of our messages is quarantined with that reason: a forged report can never silence an address.
 */
import { recordEvents } from "../../case/case-events.ts";
import { addPost } from "../../case/posts.ts";
import type { Deps } from "../../kernel/deps.ts";
import type { Classification } from "../../parsing/automatic/classification.ts";
import type { ParsedMessage } from "../../parsing/parsed-message.ts";
import { findReplyToken, type ReplySecret } from "../../threading/reply-token.ts";
import { alreadyDone, inGuardedTx, markProcessed, quarantine } from "./inbound-status.ts";
import type { IngestIo, IngestOutcome, Tx } from "./ingest-io.ts";

/** A From that cannot be a customer: none at all, or a mailer-daemon/postmaster name without a domain. */
export function isSenderless(address: string | null): boolean {
  return address === null || !address.includes("@");
}

/**
 * Recipients a bounce says will never get our mail. "Action: failed" is final even with a 4.x status (Postfix
 * reports expired mail as 4.4.x); a delay or a success report marks nobody.
 */
export function hardFailedRecipients(classification: Classification): string[] {
  return (classification.bounce?.recipients ?? []).filter((r) => r.action === "failed" || (r.action === null && (r.status === null || r.status.startsWith("5")))).map((r) => r.address);
}

/** The case of our mail that a bounce returns: by the returned message's ids (our outbound refs), then by token. */
export async function bouncedCase(tx: Pick<Tx, "messageRef" | "case">, secret: ReplySecret, mailboxAddress: string, classification: Classification): Promise<number | null> {
  const refs = classification.bounce?.references;
  const ids = refs?.messageIds ?? (classification.bounce?.originalMessageId ? [classification.bounce.originalMessageId] : []);
  if (ids.length) {
    const found = await tx.messageRef.findMany({ where: { messageId: { in: ids }, direction: "out" }, select: { messageId: true, caseId: true } });
    for (const id of ids) {
      const hit = found.find((f) => f.messageId === id);
      if (hit) return hit.caseId;
    }
  }
  const token = findReplyToken(secret, mailboxAddress, refs?.tokenAddresses ?? []);
  if (token.kind === "valid" && (await tx.case.findUnique({ where: { id: token.token.caseId }, select: { id: true } }))) return token.token.caseId;
  return null;
}

export async function senderlessBounce(deps: Deps, io: IngestIo, inboundId: number, msg: ParsedMessage, classification: Classification, mailboxAddress: string): Promise<IngestOutcome> {
  const failed = hardFailedRecipients(classification);
  const outcome = await inGuardedTx(io, inboundId, async (tx): Promise<IngestOutcome | null> => {
    const caseId = await bouncedCase(tx, deps.secret, mailboxAddress, classification);
    if (caseId === null) return null;
    const report = (classification.bounce?.recipients ?? []).map((r) => `${r.address}: ${r.action ?? "failed"} ${r.status ?? ""}${r.diagnostic ? ` (${r.diagnostic})` : ""}`.trim());
    const post = await addPost(
      tx,
      {
        caseId,
        visibility: "INTERNAL",
        source: "SYSTEM",
        author: null,
        subject: msg.subject || "Delivery report",
        body: [`Delivery report for our mail on this case:`, ...report].join("\n"),
        inboundId,
        threadRule: "bounced-original",
        attachments: msg.attachments,
      },
      { by: "system", automatic: classification.reason },
    );
    if (failed.length) {
      await tx.contact.updateMany({ where: { email: { in: failed } }, data: { bouncing: true } });
      await recordEvents(tx, caseId, [{ type: "contact.bouncing", data: { addresses: failed, inboundId } }]);
    }
    await markProcessed(deps, tx, inboundId, caseId, "post");
    return { kind: "post-added", caseId, postId: post.id, rule: "bounced-original", visibility: "INTERNAL" };
  });
  if (outcome === null) {
    const done = await alreadyDone(io, inboundId);
    if (done.kind === "already-done" && done.status === "PENDING") return quarantine(deps, io, inboundId, `bounce (${classification.reason}) that matches none of our messages`);
    return done;
  }
  if (outcome.kind === "post-added") await io.notify([{ v: 1, postId: outcome.postId, event: "post-added" }]);
  return outcome;
}

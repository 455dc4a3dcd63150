/**
 * The portal's mails (sign-in link and code, "new sign-in" alert) as drafts for the shared outbox writer
 * (src/case/outbox.ts writeOutbound): one row with its dedupe key and deterministic Message-ID, headers
 * from composeHeaders (SIGN_IN: Auto-Submitted), sent by the send queue after the commit. They belong to
 * no case and are never indexed for threading: answers to them are quarantined (sign-in-mail.ts).
 */
import type { Prisma } from "../generated/prisma/client.ts";
import { writeOutbound } from "../case/outbox.ts";
import type { Rendered } from "../render/templates.ts";

export interface PortalMail {
  /** Unique per mail: `t<sign-in id>` for a link, `s<session id>` for an alert. */
  recipientKey: string;
  /** Null for an address that is no contact yet (a web form's confirmation mail). */
  contactId: number | null;
  to: string;
  rendered: Rendered;
  /** The sending mailbox (its address and name are the From; its domain carries the Message-ID). */
  mailbox: { address: string; displayName: string };
}

/** Writes the row in the caller's transaction (idempotent by its dedupe key); returns its id if still to send. */
export async function writePortalMail(tx: Prisma.TransactionClient, mail: PortalMail): Promise<number | null> {
  const { pending } = await writeOutbound(tx, [
    {
      kind: "SIGN_IN",
      caseId: null,
      postId: null,
      recipientKey: mail.recipientKey,
      to: { address: mail.to, contactId: mail.contactId },
      from: { address: mail.mailbox.address, name: mail.mailbox.displayName },
      replyTo: null,
      rendered: mail.rendered,
      threadIds: [],
      parentId: null,
      threadReplies: false,
    },
  ]);
  return pending[0]?.id ?? null;
}

/**
 * The portal's one outbox writer: sign-in links and "new sign-in" alerts become OutboundMail rows sent by
 * the send queue, like every mail Mailcase sends (one row with a dedupe key and a deterministic Message-ID,
 * headers from composeHeaders, enqueued after commit). Kept in one function so it can move onto the shared
 * outbox writer of the case write model without touching its callers.
 */
import type { DbOrTx } from "../db/client.ts";
import { composeHeaders } from "../case/compose.ts";
import type { Rendered } from "../render/templates.ts";

export interface PortalMail {
  /** Unique per mail: `t<sign-in id>` for a link, `s<session id>` for an alert. */
  recipientKey: string;
  contactId: number;
  to: string;
  rendered: Rendered;
  /** The sending mailbox (its address and name are the From; its domain carries the Message-ID). */
  mailbox: { address: string; displayName: string };
}

/** Writes the row (idempotent by its dedupe key) and returns its id; the caller enqueues the send after commit. */
export async function writePortalMail(db: DbOrTx, mail: PortalMail): Promise<number> {
  const domain = mail.mailbox.address.slice(mail.mailbox.address.lastIndexOf("@") + 1);
  const composed = composeHeaders({ kind: "SIGN_IN", caseId: 0, postId: null, recipientKey: mail.recipientKey, domain, threadIds: [], parentId: null });
  const row = await db.outboundMail.upsert({
    where: { dedupeKey: composed.dedupeKey },
    create: {
      dedupeKey: composed.dedupeKey,
      messageId: composed.messageId,
      kind: "SIGN_IN",
      caseId: null,
      recipientContactId: mail.contactId,
      fromAddress: mail.mailbox.address,
      fromName: mail.mailbox.displayName,
      toAddress: mail.to,
      subject: mail.rendered.subject,
      text: mail.rendered.text,
      html: mail.rendered.html,
      inReplyTo: null,
      references: [],
      headers: composed.headers,
    },
    update: {},
    select: { id: true },
  });
  return row.id;
}

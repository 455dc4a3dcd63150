/**
 * A customer's mail that opens a case: who else is on it (Cc contacts, never our own addresses or agents),
 * and the case itself through the case write model (`case/open-case.ts`), routed like every new case.
 */
import { ensureContacts } from "../../case/contacts.ts";
import { openCase, type OpenedCase } from "../../case/open-case.ts";
import type { ConfigSnapshot } from "../../config/config-cache.ts";
import { trimMessage } from "../../parsing/trim-message.ts";
import { stripReplyPrefixes } from "../../threading/subject.ts";
import type { CustomerMessage } from "./customer-post.service.ts";
import type { Tx } from "./ingest-io.ts";

const MAX_CC_CONTACTS = 20;

export async function openMailCase(
  tx: Tx,
  m: CustomerMessage,
  ctx: {
    contact: { id: number; accountId: number | null; directoryId: number | null; portalUser: boolean; bouncing: boolean; locale: string };
    domain: string;
    messageId: string;
    linkTo: number | null;
    threading: string;
    now: Date;
    config: ConfigSnapshot;
  },
): Promise<OpenedCase> {
  const { msg, sender } = m;
  const ccAddresses = [...new Set([...msg.to, ...msg.cc].map((a) => a.address))]
    .filter((a) => a !== sender && !m.ownAddresses.includes(a) && !m.agentAddresses.includes(a) && !isOwnPlusAddress(a, m.ownAddresses))
    .slice(0, MAX_CC_CONTACTS);
  const ccContactIds = (await ensureContacts(tx, ccAddresses.map((email) => ({ email })))).map((c) => c.id);
  return openCase(tx, {
    requester: ctx.contact,
    requesterDomain: ctx.domain,
    ccContactIds,
    mailboxId: m.mailboxId,
    origin: "EMAIL",
    subject: stripReplyPrefixes(msg.subject),
    description: msg.text,
    post: { source: "CUSTOMER_EMAIL", subject: msg.subject, body: trimMessage(msg).body, inboundId: m.inboundId, attachments: msg.attachments, messageId: ctx.messageId },
    linkTo: ctx.linkTo === null ? null : { caseId: ctx.linkTo, reason: "customer replied to the closed case" },
    threading: ctx.threading,
    inboundId: m.inboundId,
    // The inbound row is marked PROCESSED in the case's own statement (the caller holds its row lock).
    fileInbound: { processedAt: ctx.now },
    forwardedBy: m.forwardedBy,
    now: ctx.now,
  }, ctx.config);
}

/** `support+anything@…` of one of our own mailboxes (e.g. a reply address) is never a customer's Cc. */
function isOwnPlusAddress(address: string, own: string[]): boolean {
  return own.some((o) => {
    const at = o.lastIndexOf("@");
    return address.endsWith(o.slice(at)) && address.startsWith(`${o.slice(0, at)}+`);
  });
}

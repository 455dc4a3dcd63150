/**
 * A customer's message (or anyone's who is not an agent on a reply address): threaded onto its case as a
 * post, or opening a new case. Threading: the message's In-Reply-To/References, a bounce's original, the
 * case tag in the subject (only for a sender who takes part in the case). Automatic mail never opens a case
 * and never reaches customers: on a case it is an internal post, elsewhere it is quarantined.
 */
import { recordEvents } from "../../case/case-events.ts";
import { ensureContacts } from "../../case/contacts.ts";
import { customerPosted, saveAttachments } from "../../case/posts.ts";
import { fileOnCase } from "../../case/filing-write.ts";
import type { CaseStatus } from "../../kernel/domain-types.ts";
import { lookUpThread } from "./thread-lookup.ts";
import { onCustomerReply, type ClosedReplyPolicy } from "../../case/status.ts";
import type { Deps } from "../../kernel/deps.ts";
import type { Classification } from "../../parsing/automatic/classify.ts";
import type { ParsedMessage } from "../../parsing/parsed-message.ts";
import { trimMessage } from "../../parsing/trim-message.ts";
import { resolveThread, type ThreadDecision } from "../../threading/resolve-thread.ts";
import type { ReplySecret } from "../../threading/reply-token.ts";
import { findCaseTag } from "../../threading/subject.ts";
import { alreadyDone, inGuardedTx, quarantineInTx } from "./inbound-status.ts";
import type { IngestIo, IngestOutcome, Tx } from "./ingest-io.ts";
import { bouncedCase, hardFailedRecipients } from "./bounce.service.ts";
import { openMailCase } from "./open-case.service.ts";
import { holdNewCase } from "../../approval/approval.service.ts";

export interface CustomerMessage {
  inboundId: number;
  mailboxId: number;
  msg: ParsedMessage;
  sender: string;
  classification: Classification;
  ownAddresses: string[];
  agentAddresses: string[];
  /** The agent who forwarded the customer's mail to their forwarding address, if that is how it came. */
  forwardedBy: number | null;
  /** The receiving mailbox and the token secret, to tie a bounce to our mail by its reply token. */
  mailboxAddress: string;
  secret: ReplySecret;
}

export async function customerMessage(deps: Deps, io: IngestIo, m: CustomerMessage): Promise<IngestOutcome> {
  const { inboundId, msg, sender, classification } = m;
  const automatic = classification.kind !== "human";
  const messageId = msg.messageId ?? `inbound-${inboundId}@mailcase.invalid`;
  const now = deps.clock.now();
  const domain = sender.slice(sender.lastIndexOf("@") + 1);

  // Settings, accounts, groups, contracts: the configuration in memory, not read per message.
  const config = await deps.config.get();
  let approvalOutbound: number[] = [];
  /** The new case's scheduling row (OpenedCase.schedule), when the message opened one. */
  let schedule: unknown = null;
  const outcome = await inGuardedTx(io, inboundId, async (tx): Promise<IngestOutcome> => {
    const settings = config.settings;
    const account = config.accountByDomain.get(domain) ?? null;
    const [contact] = await ensureContacts(tx, [{ email: sender, name: msg.from?.name || null, accountId: account?.id ?? null }]);
    if (!contact) throw new Error(`contact ${sender} could not be created`);
    const { decision, statusOf } = await threadOf(tx, m, settings.caseTagPrefix, contact);

    // A reply to a closed case opens a new case linked to it (by default); other statuses react as the
    // pure rules say (a resolved case reopens, a waiting one resumes); automatic mail never changes status.
    const closedReply = closedReplyPolicy(settings.closedReplyPolicy);
    let existing: { caseId: number; status: Parameters<typeof onCustomerReply>[0] } | null = null;
    let linkTo: number | null = null;
    if (decision.kind === "existing") {
      // Read with the threading facts; only a bounce's original case (looked up apart) is read here.
      const status = statusOf.get(decision.caseId) ?? (await tx.case.findUniqueOrThrow({ where: { id: decision.caseId }, select: { status: true } })).status;
      if (onCustomerReply(status, { closedReply }, { automatic }).action === "new-linked-case") linkTo = decision.caseId;
      else existing = { caseId: decision.caseId, status };
    }

    if (existing && decision.kind === "existing") {
      const by = `contact:${contact.id}`;
      // Automatic mail on a case is kept for agents only: it must never reach (or loop back to) customers.
      const visibility = automatic ? "INTERNAL" : "PUBLIC";
      // Post, reference, contact, event and the inbound row in one statement (case/filing-write.ts). A machine
      // (mailer-daemon, auto-responder) never becomes a contact of the case: nobody should mail it.
      const post = await fileOnCase(tx, existing.caseId, {
        post: {
          visibility,
          source: "CUSTOMER_EMAIL",
          author: { contactId: contact.id },
          subject: msg.subject,
          body: automatic ? msg.text : trimMessage(msg).body,
          inboundId,
          threadRule: decision.rule,
        },
        messageId,
        contacts: automatic ? [] : [{ contactId: contact.id, role: "CC" }],
        followers: [],
        events: [{ event: { type: "post.added", data: { postId: null, visibility, rule: decision.rule, by, automatic: classification.reason, forwardedBy: m.forwardedBy } }, withPostId: true }],
        inbound: { id: inboundId, outcome: "post", processedAt: now },
      });
      await saveAttachments(tx, post.postId, msg.attachments);
      const reaction = await customerPosted(tx, existing.caseId, { by, now, automatic, closedReply, status: existing.status, contracts: config.contracts, settings });
      if (reaction.warning) deps.log.warn({ caseId: existing.caseId, reason: reaction.warning }, "customer reply did not change the status");
      if (classification.kind === "bounce" && decision.rule === "bounced-original") await markBouncing(tx, existing.caseId, classification, inboundId);
      return { kind: "post-added", caseId: existing.caseId, postId: post.postId, rule: decision.rule, visibility };
    }

    if (automatic) {
      // Never open a case for an auto-reply or bounce that matches nothing: that is how helpdesks loop.
      const reason = `automatic mail (${classification.reason}) that matches no case`;
      await quarantineInTx(deps, tx, inboundId, reason);
      return { kind: "quarantined", reason };
    }

    const threading = decision.kind === "existing" ? `reply to closed case (${decision.rule}): new linked case` : decision.note;
    const opened = await openMailCase(tx, m, { contact, domain, messageId, linkTo, threading, now, config });
    // A new case an approval rule holds: its approvers are mailed once the case is committed.
    approvalOutbound = await holdNewCase(tx, { templates: deps.templates, secret: deps.secret }, opened.caseId, config.approvalRules, now);
    // The approval hold changes none of what scheduling reads (status, owner, due times): the row stays valid.
    // Kept beside the outcome, not in it: the outcome is the job's return value, stored in Redis.
    schedule = opened.schedule;
    return { kind: "case-created", caseId: opened.caseId, number: opened.number, postId: opened.postId };
  }, "filing");

  if (outcome === null) return alreadyDone(io, inboundId);
  if (outcome.kind === "case-created") await io.sla([outcome.caseId], [schedule]);
  if (outcome.kind === "post-added") await io.sla([outcome.caseId]);
  if (outcome.kind === "case-created") await io.notify([{ v: 1, postId: outcome.postId, event: "case-opened" }]);
  if (approvalOutbound.length) await io.send(approvalOutbound);
  if (outcome.kind === "post-added") await io.notify([{ v: 1, postId: outcome.postId, event: "post-added" }]);
  if (outcome.kind === "quarantined") deps.log.warn({ inboundId, reason: outcome.reason }, "message quarantined");
  return outcome;
}

/** Which case the message belongs to, from its references, a bounce's original, and the subject's tag (one read). */
async function threadOf(
  tx: Tx,
  m: CustomerMessage,
  tagPrefix: string,
  contact: { id: number; accountId: number | null },
): Promise<{ decision: ThreadDecision; statusOf: ReadonlyMap<number, CaseStatus> }> {
  const { msg, classification } = m;
  const facts = await lookUpThread(tx, { messageIds: [...new Set([...msg.inReplyTo, ...msg.references])], tagNumber: findCaseTag(tagPrefix, msg.subject), contact });
  const caseOf = (id: string) => facts.caseOfMessage.get(id) ?? null;
  // A bounce of our own mail names the returned message: file it on that case, never on a new one.
  const bouncedOriginalCaseId = classification.kind === "bounce" ? await bouncedCase(tx, m.secret, m.mailboxAddress, classification) : null;
  const decision = resolveThread({
    tokenCaseId: null,
    bouncedOriginalCaseId,
    inReplyToCases: msg.inReplyTo.map(caseOf),
    referenceCases: msg.references.map(caseOf),
    subjectTag: facts.subjectTag,
  });
  return { decision, statusOf: facts.statusOf };
}

/** Only bounces of our own mail mark addresses: a forged DSN cannot silence an arbitrary contact. */
async function markBouncing(tx: Tx, caseId: number, classification: Classification, inboundId: number): Promise<void> {
  const failed = hardFailedRecipients(classification);
  if (failed.length === 0) return;
  await tx.contact.updateMany({ where: { email: { in: failed } }, data: { bouncing: true } });
  await recordEvents(tx, caseId, [{ type: "contact.bouncing", data: { addresses: failed, inboundId } }]);
}

function closedReplyPolicy(value: string): ClosedReplyPolicy {
  return value === "reopen" || value === "append" ? value : "new-linked-case";
}

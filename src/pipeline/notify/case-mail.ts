/**
 * What every automatic mail about a case needs, loaded once in the caller's transaction: the sending mailbox,
 * the case tag and reference, the thread's Message-IDs, the requester(s), the owner and the team lead (the
 * lead only when they may see the case). Used by the follow-up, nudge, resolution and satisfaction services,
 * which then render their own templates and write drafts through `writeOutbound`.
 */
import type { Prisma } from "../../generated/prisma/client.ts";
import type { Deps } from "../../kernel/deps.ts";
import { caseNo, formatCaseNumber } from "../../case/case-number.ts";
import { canSeeCase, caseAccessOf } from "../../case/access.ts";
import { agentViewerFor } from "../../case/acting-agent.ts";
import type { OutboundDraft } from "../../case/outbox.ts";
import type { TemplateName } from "../../render/templates.ts";
import { replyAddress, signReplyToken } from "../../threading/reply-token.ts";
import { caseTag, taggedSubject } from "../../threading/subject.ts";
import { loadCatalogue } from "../../case/case-fields-store.ts";
import { productField, storedFields, visibleFields, type ShownField } from "../../case/custom-fields.ts";

type Tx = Prisma.TransactionClient;

export interface MailPerson {
  id: number;
  email: string;
  name: string;
  locale: string;
}

export interface CaseMailContext {
  caseId: number;
  tagPrefix: string;
  number: number;
  mailbox: { address: string; displayName: string };
  view: { tag: string; caseRef: string; subject: string; supportName: string };
  threadIds: string[];
  /** The newest customer message of the thread: what a mail to the customer answers. */
  lastCustomerId: string | null;
  requesters: MailPerson[];
  owner: MailPerson | null;
  /** The case team's lead, when active and allowed to see the case. */
  lead: MailPerson | null;
  /** The product and customer-visible fields in a language, as the acknowledgement shows them (never agent-only ones). */
  customerFields(locale: string): ShownField[];
}

export async function loadCaseMailContext(tx: Tx, caseId: number): Promise<CaseMailContext> {
  const c = await tx.case.findUniqueOrThrow({
    where: { id: caseId },
    include: {
      contacts: { include: { contact: true } },
      owner: true,
      team: { select: { leadAgentId: true } },
      area: { select: { id: true, restricted: true } },
      mailbox: true,
      inbound: { where: { status: "PROCESSED" }, orderBy: { id: "asc" }, select: { messageId: true, post: { select: { authorContactId: true } } } },
    },
  });
  const settings = await tx.settings.findUniqueOrThrow({ where: { id: 1 } });
  const mailbox = c.mailbox ?? (await tx.mailbox.findFirstOrThrow({ orderBy: { id: "asc" } }));
  const person = (a: { id: number; email: string; name: string | null; locale: string }): MailPerson => ({ id: a.id, email: a.email, name: a.name || a.email, locale: a.locale });
  const requesters = c.contacts.filter((cc) => cc.role === "REQUESTER" && !cc.contact.bouncing).map((cc) => person(cc.contact));
  let lead: MailPerson | null = null;
  if (c.team?.leadAgentId != null) {
    const row = await tx.agent.findUnique({ where: { id: c.team.leadAgentId }, include: { teams: true } });
    if (row?.active) {
      const grants = await tx.directoryAccess.findMany({ select: { directoryId: true, agentId: true, teamId: true } });
      const teamIds = row.teams.map((t) => t.teamId);
      const sees = canSeeCase(await agentViewerFor(tx, row.id, teamIds, grants), caseAccessOf(c));
      if (sees) lead = person(row);
    }
  }
  const catalogue = await loadCatalogue(tx);
  const product = c.productId === null ? null : (catalogue.products.find((p) => p.id === c.productId) ?? null);
  const values = storedFields(c.customFields);
  return {
    customerFields: (locale) => [...productField(product, locale), ...visibleFields(catalogue.fields, values, "customer", locale)],
    caseId: c.id,
    tagPrefix: settings.caseTagPrefix,
    number: caseNo(c.number),
    mailbox: { address: mailbox.address, displayName: mailbox.displayName },
    view: {
      tag: caseTag(settings.caseTagPrefix, caseNo(c.number)),
      caseRef: formatCaseNumber(settings.caseNumberFormat, { prefix: settings.caseTagPrefix, number: caseNo(c.number), createdAt: c.createdAt }),
      subject: c.subject,
      supportName: mailbox.displayName,
    },
    threadIds: c.inbound.length ? [c.inbound[0]!.messageId] : [],
    lastCustomerId: [...c.inbound].reverse().find((m) => m.post?.authorContactId != null)?.messageId ?? null,
    requesters,
    owner: c.owner?.active ? person(c.owner) : null,
    lead,
  };
}

/**
 * A mail to the customer in the case's thread: tagged subject, answering their last message, and indexed for
 * threading so their answer lands on the case (and, for a follow-up, releases it from the cadence).
 */
export function customerDraft(deps: Deps, ctx: CaseMailContext, to: MailPerson, template: TemplateName, key: string, view: object): OutboundDraft {
  const rendered = deps.templates.render(to.locale, template, { ...ctx.view, contactName: to.name, fields: ctx.customerFields(to.locale), ...view });
  return {
    kind: "NOTICE",
    caseId: ctx.caseId,
    postId: null,
    recipientKey: `${key}c${to.id}`,
    to: { address: to.email, contactId: to.id },
    from: { address: ctx.mailbox.address, name: ctx.mailbox.displayName },
    replyTo: ctx.mailbox.address,
    rendered: { ...rendered, subject: taggedSubject(ctx.tagPrefix, ctx.number, rendered.subject) },
    threadIds: ctx.threadIds,
    // Null: an event caused it (Auto-Submitted: auto-generated); the thread's root still threads it.
    parentId: null,
    threadReplies: true,
  };
}

/** A notice to an agent about the case; their answer goes into the case as an internal note (signed address). */
export function agentDraft(deps: Deps, ctx: CaseMailContext, to: MailPerson, template: TemplateName, key: string, view: object): OutboundDraft {
  const rendered = deps.templates.render(to.locale, template, { ...ctx.view, recipientName: to.name, ...view });
  return {
    kind: "NOTICE",
    caseId: ctx.caseId,
    postId: null,
    recipientKey: `${key}a${to.id}`,
    to: { address: to.email, agentId: to.id },
    from: { address: ctx.mailbox.address, name: ctx.mailbox.displayName },
    replyTo: replyAddress(ctx.mailbox.address, signReplyToken(deps.secret, { caseId: ctx.caseId, agentId: to.id, visibility: "internal" })),
    rendered: { ...rendered, subject: taggedSubject(ctx.tagPrefix, ctx.number, rendered.subject) },
    threadIds: ctx.threadIds,
    parentId: null,
    threadReplies: false,
  };
}

/**
 * The mails of approvals (requests, reminders, escalations to approvers; decisions to the requester), written
 * through the outbox in the caller's transaction, one per request, step and agent (the dedupe key), in each
 * recipient's language. Approvers answer through their signed reply address, as for any notification.
 */
import type { Prisma } from "../generated/prisma/client.ts";
import { HELD_FIELD_OF, type CasePatch } from "../case/case-change.ts";
import { caseNo, formatCaseNumber } from "../case/case-number.ts";
import { writeOutbound, type OutboundDraft } from "../case/outbox.ts";
import type { TemplateRenderer } from "../render/templates.ts";
import { replyAddress, signReplyToken, type ReplySecret } from "../threading/reply-token.ts";
import { caseTag } from "../threading/subject.ts";
import type { FieldChange } from "./approval-rules.ts";

type Tx = Prisma.TransactionClient;

const str = (v: unknown): string | null => (v === undefined || v === null ? null : String(v));

/** What approval mails need besides the transaction. */
export interface ApprovalMail {
  templates: TemplateRenderer;
  secret: ReplySecret;
}

export type MailVariant =
  | { variant: "request" | "reminder" | "escalated"; step: string; changes?: FieldChange[] }
  | { variant: "decided"; step: string; approved: boolean; timedOut: boolean; deciderName: string | null; why: string | null };

/** Mails about request `requestId` to `agentIds` (deduplicated per request, step and agent). */
export async function approvalMails(tx: Tx, mail: ApprovalMail, requestId: number, agentIds: readonly number[], v: MailVariant): Promise<number[]> {
  if (agentIds.length === 0) return [];
  const req = await tx.approvalRequest.findUniqueOrThrow({
    where: { id: requestId },
    include: { case: { select: { id: true, number: true, subject: true, createdAt: true, mailbox: true, inbound: { select: { messageId: true }, orderBy: { id: "asc" }, take: 1 } } } },
  });
  const c = req.case;
  const settings = await tx.settings.findUniqueOrThrow({ where: { id: 1 } });
  const mailbox = c.mailbox ?? (await tx.mailbox.findFirstOrThrow({ orderBy: { id: "asc" } }));
  const people = await tx.agent.findMany({ where: { id: { in: [...agentIds, ...(req.requesterAgentId ? [req.requesterAgentId] : [])] } }, select: { id: true, name: true, email: true, locale: true } });
  const byId = new Map(people.map((p) => [p.id, p]));
  const caseRef = formatCaseNumber(settings.caseNumberFormat, { prefix: settings.caseTagPrefix, number: caseNo(c.number), createdAt: c.createdAt });
  const changes = (v.variant !== "decided" ? v.changes : undefined) ?? fieldChangesOfPatch(req.patch as CasePatch);
  const threadIds = c.inbound.map((m) => m.messageId);
  const drafts: OutboundDraft[] = [];
  for (const id of agentIds) {
    const agent = byId.get(id);
    if (!agent) continue;
    const rendered = mail.templates.render(agent.locale, "approval", {
      recipientName: agent.name,
      tag: caseTag(settings.caseTagPrefix, caseNo(c.number)),
      caseRef,
      subject: c.subject,
      supportName: mailbox.displayName,
      rule: req.ruleKey,
      opening: req.kind === "open",
      requesterName: req.requesterAgentId ? (byId.get(req.requesterAgentId)?.name ?? "An agent") : "Mailcase",
      changes,
      reminder: v.variant === "reminder",
      escalated: v.variant === "escalated",
      timeoutAt: req.timeoutAt ? `${req.timeoutAt.toISOString().slice(0, 16).replace("T", " ")} UTC` : "",
      decided: v.variant === "decided",
      approved: v.variant === "decided" && v.approved,
      timedOut: v.variant === "decided" && v.timedOut,
      deciderName: v.variant === "decided" ? (v.deciderName ?? "") : "",
      why: v.variant === "decided" ? (v.why ?? "") : "",
    });
    drafts.push({
      kind: "APPROVAL",
      caseId: c.id,
      postId: null,
      recipientKey: `ap${requestId}-${v.step}-a${id}`,
      to: { address: agent.email, agentId: id },
      from: { address: mailbox.address, name: mailbox.displayName },
      // The approver answers #approve / #reject through their signed reply address, as an internal reply.
      replyTo: replyAddress(mailbox.address, signReplyToken(mail.secret, { caseId: c.id, agentId: id, visibility: "internal" })),
      rendered,
      threadIds,
      parentId: null,
      threadReplies: false,
    });
  }
  const { pending } = await writeOutbound(tx, drafts);
  return pending.map((p) => p.id);
}

/** For mails about a stored request: the held values (the "from" side is not stored). */
function fieldChangesOfPatch(patch: CasePatch): { field: string; from: string; to: string }[] {
  return Object.entries(patch)
    .filter(([k]) => k !== "solution" && HELD_FIELD_OF[k as keyof CasePatch] !== undefined)
    .map(([k, v]) => ({ field: HELD_FIELD_OF[k as keyof CasePatch] ?? k, from: "…", to: str(v) ?? "-" }));
}

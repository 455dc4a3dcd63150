/**
 * What a portal user writes on a case, through the same case write model as mail (src/case/posts.ts): the
 * reply is a PUBLIC post with source PORTAL (addPost, with its post.added event), the customer's reaction
 * rules apply (a waiting case resumes, a resolved one reopens, the next-response clock starts:
 * customerPosted), and after the commit the notify stage plans who hears of it and the SLA watch is
 * rescheduled, exactly as for a customer's mail.
 *
 * The case is found through the viewer's scope (exposureWhere), so a case they may not see is "not found",
 * like a case that does not exist. Only the text comes from the form: case, visibility, author and source
 * are set here (no mass assignment).
 */
import { DESCRIPTION_MAX, openCase, SUBJECT_MAX } from "../case/open-case.ts";
import { addPost, customerPosted } from "../case/posts.ts";
import type { CasePatch } from "../case/case-change.ts";
import type { StoredFields } from "../case/custom-fields.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import type { ClosedReplyPolicy } from "../case/status.ts";
import type { Deps } from "../kernel/deps.ts";
import type { CaseTypeChoice } from "../kernel/domain-types.ts";
import type { ParsedAttachment } from "../parsing/parsed-message.ts";
import { enqueueNotify } from "../pipeline/notify/notify.job.ts";
import { enqueueSend } from "../pipeline/send/send.job.ts";
import { holdNewCase } from "../approval/approval.service.ts";
import { loadApprovalRules } from "../approval/approval-store.ts";
import { scheduleSla } from "../pipeline/sla/sla-watch.service.ts";
import { exposureWhere, type Viewer } from "./exposure.ts";
import type { PortalDef } from "./portal-config.ts";

export const REPLY_MAX = 32_000;

/** Custom field values and a product, already checked against the catalogue (fieldsPatch). */
export type FieldsPatchOk = Pick<CasePatch, "fields" | "productId">;

/**
 * The checked values as openCase takes them: written with the case, seen by the assignment rules (a rule may
 * route on a field or the product), each with its audit event by the opening contact.
 */
export async function openingCustom(
  tx: Prisma.TransactionClient,
  custom: FieldsPatchOk | undefined,
  by: string,
): Promise<{ fields?: StoredFields; product?: { id: number; code: string } | null; by?: string }> {
  if (!custom || (custom.fields === undefined && custom.productId === undefined)) return {};
  const fields: StoredFields = {};
  for (const [key, value] of Object.entries(custom.fields ?? {})) if (value !== null) fields[key] = value;
  const product = custom.productId ? await tx.product.findUniqueOrThrow({ where: { id: custom.productId }, select: { id: true, code: true } }) : null;
  return { fields, product, by };
}

export type ReplyOutcome = { kind: "posted"; caseId: number; postId: number; warning: string | null } | { kind: "not-found" } | { kind: "closed" };

const closedReplyPolicy = (value: string): ClosedReplyPolicy => (value === "reopen" || value === "append" ? value : "new-linked-case");

/** Whether a reply is taken on a case in this status (a closed case takes none unless the policy reopens or appends). */
export function acceptsReply(status: string, policy: string): boolean {
  return status !== "CLOSED" || closedReplyPolicy(policy) !== "new-linked-case";
}

export async function replyFromPortal(deps: Deps, portal: PortalDef, viewer: Viewer, caseNumber: number, text: string, attachments: readonly ParsedAttachment[] = []): Promise<ReplyOutcome> {
  const now = deps.clock.now();
  const by = `contact:${viewer.contactId}`;
  const result = await deps.db.$transaction(async (tx): Promise<ReplyOutcome> => {
    const found = await tx.case.findFirst({ where: { AND: [exposureWhere(portal.exposure, viewer), { number: caseNumber }] }, select: { id: true, status: true, subject: true } });
    if (!found) return { kind: "not-found" };
    // Row lock: a concurrent agent command or mail on the same case waits, so the status rules see one order.
    await tx.$queryRaw`SELECT id FROM "Case" WHERE id = ${found.id} FOR UPDATE`;
    const settings = await tx.settings.findUnique({ where: { id: 1 } });
    const policy = settings?.closedReplyPolicy ?? "new-linked-case";
    if (!acceptsReply(found.status, policy)) return { kind: "closed" };
    const post = await addPost(
      tx,
      { caseId: found.id, visibility: "PUBLIC", source: "PORTAL", author: { contactId: viewer.contactId }, subject: `Re: ${found.subject}`, body: text, attachments, threadRule: "portal" },
      { by },
    );
    // Whoever writes on a case takes part in it (as mail does with a Cc'd colleague who answers).
    await tx.caseContact.createMany({ data: [{ caseId: found.id, contactId: viewer.contactId, role: "CC" }], skipDuplicates: true });
    const reaction = await customerPosted(tx, found.id, { by, now, automatic: false, closedReply: closedReplyPolicy(policy), status: found.status });
    return { kind: "posted", caseId: found.id, postId: post.id, warning: reaction.warning };
  });
  if (result.kind === "posted") {
    await scheduleSla(deps, [result.caseId]);
    await enqueueNotify(deps.queues.notify, [{ v: 1, postId: result.postId, event: "post-added" }]);
  }
  return result;
}

/**
 * Follow or stop following a case the viewer may see: a follower gets an email for each public update
 * (the notify stage's plan decides, as for every follower). Idempotent both ways.
 */
export async function setFollowing(deps: Deps, portal: PortalDef, viewer: Viewer, caseNumber: number, follow: boolean): Promise<"done" | "not-found"> {
  return deps.db.$transaction(async (tx) => {
    const found = await tx.case.findFirst({ where: { AND: [exposureWhere(portal.exposure, viewer), { number: caseNumber }] }, select: { id: true } });
    if (!found) return "not-found";
    if (follow) await tx.follower.createMany({ data: [{ caseId: found.id, contactId: viewer.contactId, reason: "portal" }], skipDuplicates: true });
    else await tx.follower.deleteMany({ where: { caseId: found.id, contactId: viewer.contactId } });
    return "done";
  });
}

export { DESCRIPTION_MAX, SUBJECT_MAX };

/**
 * A new case from the portal, through the same opening path as mail (openCase: routed by the contact's
 * customer group, SLA contract, owner and followers, the opening post), origin PORTAL. Only subject,
 * description, type and files come from the form; requester, account, group, area, SLA and visibility are the server's.
 */
export async function openPortalCase(
  deps: Deps,
  viewer: Viewer,
  email: string,
  input: { subject: string; description: string; type: CaseTypeChoice; attachments: readonly ParsedAttachment[]; custom?: FieldsPatchOk },
): Promise<{ caseId: number; number: number } | null> {
  const now = deps.clock.now();
  const opened = await deps.db.$transaction(async (tx) => {
    const contact = await tx.contact.findUniqueOrThrow({ where: { id: viewer.contactId } });
    const mailbox = await tx.mailbox.findFirst({ where: { active: true }, orderBy: { id: "asc" } });
    if (!mailbox) return null;
    const created = await openCase(tx, {
      requester: contact,
      requesterDomain: email.slice(email.lastIndexOf("@") + 1),
      ccContactIds: [],
      mailboxId: mailbox.id,
      origin: "PORTAL",
      type: input.type,
      subject: input.subject,
      description: input.description,
      post: { source: "PORTAL", subject: input.subject, body: input.description, inboundId: null, attachments: [...input.attachments], messageId: null },
      linkTo: null,
      threading: "portal",
      inboundId: null,
      forwardedBy: null,
      now,
      ...(await openingCustom(tx, input.custom, `contact:${viewer.contactId}`)),
    });
    const approvalOutbound = await holdNewCase(tx, { templates: deps.templates, secret: deps.secret }, created.caseId, await loadApprovalRules(tx), now);
    return { ...created, approvalOutbound };
  });
  if (!opened) return null;
  await scheduleSla(deps, [opened.caseId], [opened.schedule]);
  await enqueueNotify(deps.queues.notify, [{ v: 1, postId: opened.postId, event: "case-opened" }]);
  if (opened.approvalOutbound.length) await enqueueSend(deps.queues.send, opened.approvalOutbound);
  return { caseId: opened.caseId, number: opened.number };
}

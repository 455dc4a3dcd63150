/**
 * The review of an article drafted from a case, by mail: the draft goes to its reviewers (configured agents
 * and teams, else the lead of the case's team) with the article rendered and a review reply address
 * (`r<article>a<agent>`, src/threading/reply-token.ts); their answer publishes it or sends it back
 * (kb-review-reply.service.ts). Every step is an article event and, on the linked case, a case event,
 * written in the caller's transaction with the mails (through the outbox), so no step is half done.
 *
 * The mails use the outbox kind APPROVAL: they are approval requests of an article, go to agents only and
 * are never threaded onto the case (answers come back through the review address).
 */
import type { Prisma } from "../generated/prisma/client.ts";
import { recordEvents, type Actor } from "../case/case-events.ts";
import { caseNo, formatCaseNumber } from "../case/case-number.ts";
import { writeOutbound, type OutboundDraft } from "../case/outbox.ts";
import type { TemplateRenderer } from "../render/templates.ts";
import { replyAddress, signReviewToken, type ReplySecret } from "../threading/reply-token.ts";
import { caseTag } from "../threading/subject.ts";
import { setStatus } from "./kb-write.ts";
import { renderMarkdown } from "./markdown.ts";

type Tx = Prisma.TransactionClient;

export interface ReviewMail {
  templates: TemplateRenderer;
  secret: ReplySecret;
}

type Step = "requested" | "unassigned" | "published" | "rejected";

/** One step in the article's history and, where the article came from a case, in the case's. */
export async function recordReviewStep(tx: Tx, articleId: number, caseId: number | null, step: Step, data: { by: Actor; reviewers?: number[]; portals?: string[]; why?: string }, now: Date): Promise<void> {
  await tx.kbArticleEvent.create({ data: { articleId, type: `review.${step}`, data: { ...data }, createdAt: now } });
  if (caseId !== null) await recordEvents(tx, caseId, [{ type: "kb.review", data: { articleId, step, ...data } }]);
}

/** Active agents who review drafts: the configured ones, else the lead of the case's team. */
export async function reviewersOf(tx: Tx, caseId: number): Promise<number[]> {
  const setting = await tx.kbReviewSetting.findUnique({ where: { id: 1 } });
  const ids = new Set(setting?.reviewerAgentIds ?? []);
  if (setting?.reviewerTeamIds.length) {
    for (const m of await tx.teamMember.findMany({ where: { teamId: { in: setting.reviewerTeamIds } }, select: { agentId: true } })) ids.add(m.agentId);
  }
  if (ids.size === 0) {
    const c = await tx.case.findUnique({ where: { id: caseId }, select: { team: { select: { leadAgentId: true } } } });
    if (c?.team?.leadAgentId) ids.add(c.team.leadAgentId);
  }
  const active = await tx.agent.findMany({ where: { id: { in: [...ids] }, active: true }, select: { id: true }, orderBy: { id: "asc" } });
  return active.map((a) => a.id);
}

/**
 * Sends a case's draft to review: In review with mails to the reviewers, or (nobody to review) left a Draft
 * with an "unassigned" step so an operator sees it in `mailcase kb show`. Returns the outbound mail ids.
 */
export async function requestReview(tx: Tx, mail: ReviewMail, input: { articleId: number; caseId: number; by: Actor; now: Date }): Promise<number[]> {
  const reviewers = await reviewersOf(tx, input.caseId);
  if (reviewers.length === 0) {
    await recordReviewStep(tx, input.articleId, input.caseId, "unassigned", { by: input.by }, input.now);
    return [];
  }
  await setStatus(tx, input.articleId, "IN_REVIEW", { actor: input.by, now: input.now, rejectedReason: null });
  // A new round per request: a draft sent back and submitted again is mailed again (distinct dedupe keys).
  const round = (await tx.kbArticleEvent.count({ where: { articleId: input.articleId, type: "review.requested" } })) + 1;
  await recordReviewStep(tx, input.articleId, input.caseId, "requested", { by: input.by, reviewers }, input.now);
  return reviewMails(tx, mail, input.articleId, input.caseId, reviewers, { variant: "request", round });
}

export type ReviewVariant = { variant: "request"; round: number } | { variant: "published"; portals: string[]; reviewerName: string } | { variant: "rejected"; why: string; reviewerName: string };

/** Review mails about the article to `agentIds`, each in the agent's language. */
export async function reviewMails(tx: Tx, mail: ReviewMail, articleId: number, caseId: number, agentIds: readonly number[], v: ReviewVariant): Promise<number[]> {
  const a = await tx.kbArticle.findUniqueOrThrow({ where: { id: articleId }, include: { author: { select: { name: true } } } });
  const c = await tx.case.findUniqueOrThrow({ where: { id: caseId }, select: { id: true, number: true, subject: true, createdAt: true, mailbox: true } });
  const settings = await tx.settings.findUniqueOrThrow({ where: { id: 1 } });
  const mailbox = c.mailbox ?? (await tx.mailbox.findFirstOrThrow({ orderBy: { id: "asc" } }));
  const people = await tx.agent.findMany({ where: { id: { in: [...agentIds] } }, select: { id: true, name: true, email: true, locale: true } });
  const drafts: OutboundDraft[] = people.map((agent) => ({
    kind: "APPROVAL",
    caseId: c.id,
    postId: null,
    recipientKey: `kb${articleId}-${v.variant === "request" ? `r${v.round}` : `${v.variant}${a.version}-${a.updatedAt.getTime()}`}-a${agent.id}`,
    to: { address: agent.email, agentId: agent.id },
    from: { address: mailbox.address, name: mailbox.displayName },
    // Only the review request is answered; its address names the article, so `#reject` there never
    // touches an approval of the case (which is answered through the case's own reply address).
    replyTo: v.variant === "request" ? replyAddress(mailbox.address, signReviewToken(mail.secret, articleId, agent.id)) : null,
    rendered: mail.templates.render(agent.locale, "kb-review", {
      recipientName: agent.name,
      tag: caseTag(settings.caseTagPrefix, caseNo(c.number)),
      caseRef: formatCaseNumber(settings.caseNumberFormat, { prefix: settings.caseTagPrefix, number: caseNo(c.number), createdAt: c.createdAt }),
      subject: c.subject,
      supportName: mailbox.displayName,
      title: a.title,
      language: a.language,
      authorName: a.author?.name ?? "",
      // The Markdown source in the text part: the reviewer sees exactly what would be published.
      bodyText: a.body.trim(),
      bodyHtml: renderMarkdown(a.body),
      request: v.variant === "request",
      published: v.variant === "published",
      rejected: v.variant === "rejected",
      portals: v.variant === "published" ? v.portals.join(", ") : "",
      reviewerName: v.variant === "request" ? "" : v.reviewerName,
      why: v.variant === "rejected" ? v.why : "",
    }),
    threadIds: [],
    parentId: null,
    threadReplies: false,
  }));
  const { pending } = await writeOutbound(tx, drafts);
  return pending.map((p) => p.id);
}

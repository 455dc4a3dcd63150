/**
 * Records a customer's satisfaction rating from a signed link of the resolution mail: once per case (the
 * unique `SatisfactionRating.caseId` is the guard, so a second click, another contact's link or a replayed
 * request records nothing), then an optional comment, once. Both are case events. A bad rating mails the
 * case's owner and team lead (with the comment when one follows).
 */
import type { Deps } from "../../kernel/deps.ts";
import { recordEvents } from "../../case/case-events.ts";
import { writeOutbound, type OutboundDraft } from "../../case/outbox.ts";
import type { SatisfactionClaim } from "../../links/signed-links.ts";
import { enqueueSend } from "../send/send.job.ts";
import { reminderView } from "../sla/automation-run.ts";
import { agentDraft, loadCaseMailContext, type CaseMailContext } from "./case-mail.ts";

export type Rating = "GOOD" | "BAD";

export type RatingOutcome =
  | { kind: "refused" }
  | { kind: "recorded"; rating: Rating; locale: string }
  | { kind: "already-rated"; rating: Rating; commented: boolean; locale: string };

export type CommentOutcome = { kind: "refused" } | { kind: "not-rated" } | { kind: "already-commented" } | { kind: "recorded"; locale: string };

const badNotices = (deps: Deps, ctx: CaseMailContext, key: string, comment: string): OutboundDraft[] => {
  const to = [ctx.owner, ctx.lead].filter((a, i, all): a is NonNullable<typeof a> => a !== null && all.findIndex((b) => b?.id === a.id) === i);
  return to.map((a) => agentDraft(deps, ctx, a, "agent-reminder", key, reminderView({ badRating: true, comment })));
};

/** The rating of a verified claim; the contact must (still) be a contact of the case. */
export async function recordSatisfaction(deps: Deps, claim: SatisfactionClaim, rating: Rating): Promise<RatingOutcome> {
  const result = await deps.db.$transaction(async (tx): Promise<{ outcome: RatingOutcome; send: number[] }> => {
    const link = await tx.caseContact.findUnique({ where: { caseId_contactId: claim }, include: { contact: { select: { locale: true } } } });
    if (!link) return { outcome: { kind: "refused" }, send: [] };
    const locale = link.contact.locale;
    const now = deps.clock.now();
    const inserted = await tx.satisfactionRating.createMany({ data: [{ caseId: claim.caseId, rating, createdAt: now }], skipDuplicates: true });
    if (inserted.count === 0) {
      const existing = await tx.satisfactionRating.findUniqueOrThrow({ where: { caseId: claim.caseId } });
      return { outcome: { kind: "already-rated", rating: existing.rating as Rating, commented: existing.comment !== null, locale }, send: [] };
    }
    const drafts = rating === "BAD" ? badNotices(deps, await loadCaseMailContext(tx, claim.caseId), "sat", "") : [];
    const { pending } = await writeOutbound(tx, drafts);
    await recordEvents(tx, claim.caseId, [{ type: "satisfaction.rated", data: { rating, by: `contact:${claim.contactId}`, notified: drafts.map((d) => d.to.address) } }], now);
    return { outcome: { kind: "recorded", rating, locale }, send: pending.map((r) => r.id) };
  });
  await enqueueSend(deps.queues.send, result.send);
  return result.outcome;
}

/** The comment to a recorded rating, once. */
export async function commentSatisfaction(deps: Deps, claim: SatisfactionClaim, comment: string): Promise<CommentOutcome> {
  const result = await deps.db.$transaction(async (tx): Promise<{ outcome: CommentOutcome; send: number[] }> => {
    const link = await tx.caseContact.findUnique({ where: { caseId_contactId: claim }, include: { contact: { select: { locale: true } } } });
    if (!link) return { outcome: { kind: "refused" }, send: [] };
    const now = deps.clock.now();
    const updated = await tx.satisfactionRating.updateMany({ where: { caseId: claim.caseId, comment: null }, data: { comment, commentedAt: now } });
    if (updated.count === 0) {
      const exists = await tx.satisfactionRating.count({ where: { caseId: claim.caseId } });
      return { outcome: { kind: exists ? "already-commented" : "not-rated" }, send: [] };
    }
    const row = await tx.satisfactionRating.findUniqueOrThrow({ where: { caseId: claim.caseId } });
    const rating = row.rating as Rating;
    const drafts = rating === "BAD" ? badNotices(deps, await loadCaseMailContext(tx, claim.caseId), "satc", comment) : [];
    const { pending } = await writeOutbound(tx, drafts);
    await recordEvents(tx, claim.caseId, [{ type: "satisfaction.commented", data: { rating, by: `contact:${claim.contactId}`, comment } }], now);
    return { outcome: { kind: "recorded", locale: link.contact.locale }, send: pending.map((r) => r.id) };
  });
  await enqueueSend(deps.queues.send, result.send);
  return result.outcome;
}

/**
 * A reviewer's answer to a knowledge base review mail (the route `kb-review`, recognised by the review
 * address and the reviewer's From): `#publish [portal…]` publishes the article on the named portals (none
 * named: `kb.review.defaultPortals`, else every portal showing the knowledge base); `#reject <why>` sends it
 * back to Draft with the reason, and the author is told. One transaction with the inbound guard, the
 * article change, its history, the case event and the mails; anything wrong is refused whole and explained.
 */
import type { Deps } from "../../kernel/deps.ts";
import type { ParsedMessage } from "../../parsing/parsed-message.ts";
import { trimMessage } from "../../parsing/trim-message.ts";
import type { IngestIo, IngestOutcome } from "./ingest-io.ts";
import { alreadyDone, inGuardedTx, markProcessed } from "./inbound-status.ts";
import { refuseAgentMail } from "./notices.service.ts";
import { setStatus } from "../../kb/kb-write.ts";
import { recordReviewStep, reviewMails } from "../../kb/kb-review.service.ts";
import { parseReviewCommand } from "../../kb/review-command.ts";

class ReviewRefused extends Error {}

export async function kbReviewReply(deps: Deps, io: IngestIo, inboundId: number, msg: ParsedMessage, agent: { id: number; name: string; email: string; locale: string }, articleId: number): Promise<IngestOutcome> {
  const article = await io.db.kbArticle.findUnique({ where: { id: articleId }, select: { id: true, cases: { select: { caseId: true }, orderBy: { caseId: "asc" }, take: 1 } } });
  const caseId = article?.cases[0]?.caseId ?? null;
  const refuse = (reasons: string[]) => refuseAgentMail(deps, io, inboundId, msg, { to: agent.email, name: agent.name, locale: agent.locale, caseId, reasons });
  // Review mails go out only for articles drafted from a case; the inbound message is filed on that case.
  if (!article || caseId === null) return refuse([`article #${articleId} no longer exists or has no case to review it on`]);
  const cmd = parseReviewCommand(trimMessage(msg).body);
  if (cmd.kind === "error") return refuse(cmd.reasons);

  const now = deps.clock.now();
  const by = `agent:${agent.id}`;
  const mail = { templates: deps.templates, secret: deps.secret };
  let outbound: number[] | null;
  try {
    outbound = await inGuardedTx(io, inboundId, async (tx) => {
      // Re-read under the guard: two reviewers answering at once, the second finds it decided.
      const a = await tx.kbArticle.findUniqueOrThrow({ where: { id: articleId }, select: { status: true, authorAgentId: true, title: true } });
      if (a.status !== "IN_REVIEW") throw new ReviewRefused(`article #${articleId} "${a.title}" is not in review any more (it is ${a.status.toLowerCase().replace("_", " ")})`);
      const author = a.authorAgentId !== null && a.authorAgentId !== agent.id ? [a.authorAgentId] : [];
      let sent: number[];
      if (cmd.kind === "publish") {
        const kbPortals = (await tx.kbPortalSetting.findMany({ where: { enabled: true }, select: { portalKey: true }, orderBy: { portalKey: "asc" } })).map((p) => p.portalKey);
        const setting = await tx.kbReviewSetting.findUnique({ where: { id: 1 } });
        const portals = cmd.portals ?? (setting?.defaultPortals.length ? setting.defaultPortals : kbPortals);
        const unknown = portals.filter((p) => !kbPortals.includes(p));
        if (unknown.length) throw new ReviewRefused(`#publish: ${unknown.map((p) => `"${p}"`).join(", ")} ${unknown.length > 1 ? "are not portals" : "is not a portal"} with a knowledge base (${kbPortals.join(", ") || "none configured"})`);
        if (portals.length === 0) throw new ReviewRefused("#publish: no portal shows the knowledge base, so the article would be seen by nobody");
        await setStatus(tx, articleId, "PUBLISHED", { actor: by, now, portals, reviewerAgentId: agent.id, rejectedReason: null });
        await recordReviewStep(tx, articleId, caseId, "published", { by, portals }, now);
        sent = await reviewMails(tx, mail, articleId, caseId, author, { variant: "published", portals, reviewerName: agent.name });
      } else {
        await setStatus(tx, articleId, "DRAFT", { actor: by, now, reviewerAgentId: agent.id, rejectedReason: cmd.why });
        await recordReviewStep(tx, articleId, caseId, "rejected", { by, why: cmd.why }, now);
        sent = await reviewMails(tx, mail, articleId, caseId, author, { variant: "rejected", why: cmd.why, reviewerName: agent.name });
      }
      await markProcessed(deps, tx, inboundId, caseId, `kb-${cmd.kind}`);
      return sent;
    });
  } catch (err) {
    if (!(err instanceof ReviewRefused)) throw err;
    return refuse([err.message]);
  }
  if (outbound === null) return alreadyDone(io, inboundId);
  if (outbound.length) await io.send(outbound);
  return { kind: "commands-applied", caseId, changed: [`kb:${cmd.kind}`] };
}

/**
 * An agent's reply through the signed reply address of a notification: its commands change the case, its
 * text becomes a post (public answer, internal note or private note), all in one transaction; a reply with
 * any error is refused whole and explained back, nothing applied in part.
 */
import { changeCaseAsAgent, decideApproval } from "../../approval/approval.service.ts";
import { recordEvents } from "../../case/case-events.ts";
import { addMessageRef, saveAttachments } from "../../case/posts.ts";
import { fileOnCase } from "../../case/filing-write.ts";
import { onAgentPublicReply } from "../../case/status.ts";
import type { Deps } from "../../kernel/deps.ts";
import type { ParsedMessage } from "../../parsing/parsed-message.ts";
import { trimMessage } from "../../parsing/trim-message.ts";
import { recomputeSlaDue } from "../../sla/sla.service.ts";
import { replyAddress, signForwardToken, type TokenVisibility } from "../../threading/reply-token.ts";
import { describeCommands, parseAgentCommands } from "./agent-commands/parse.ts";
import { planAgentReply } from "./agent-reply-plan.ts";
import { loadCatalogue } from "../../case/case-fields-store.ts";
import { alreadyDone, inGuardedTx, markProcessed, quarantine } from "./inbound-status.ts";
import type { IngestIo, IngestOutcome } from "./ingest-io.ts";
import { refuseAgentMail } from "./notices.service.ts";
import { createSolutionDraft } from "../../kb/solution-draft.ts";
import { requestReview } from "../../kb/kb-review.service.ts";

/** A refusal rolled back inside the transaction; its reason goes back to the agent. */
class AgentMailRefused extends Error {}

export async function agentReply(
  deps: Deps,
  io: IngestIo,
  inboundId: number,
  msg: ParsedMessage,
  agent: { id: number; name: string; email: string; locale: string },
  caseId: number,
  tokenVisibility: TokenVisibility,
  mailboxAddress: string,
): Promise<IngestOutcome> {
  const parsed = parseAgentCommands(trimMessage(msg).body, tokenVisibility === "internal" ? "INTERNAL" : "PUBLIC");
  const messageId = msg.messageId ?? `inbound-${inboundId}@mailcase.invalid`;
  const now = deps.clock.now();
  const by = `agent:${agent.id}`;
  // Agents, settings, contracts and approval rules: the configuration in memory, not read per message.
  const config = await deps.config.get();
  const known = { settings: config.settings, contracts: config.contracts, rules: config.approvalRules };
  const active = [...config.agents.values()].filter((a) => a.active);
  const catalogue = parsed.commands.some((c) => c.kind === "field" || c.kind === "product") ? await loadCatalogue(io.db) : undefined;
  const plan = planAgentReply(parsed.commands, agent, active, replyAddress(mailboxAddress, signForwardToken(deps.secret, agent.id)), catalogue);
  const refuse = (reasons: string[]) => refuseAgentMail(deps, io, inboundId, msg, { to: agent.email, name: agent.name, locale: agent.locale, caseId, reasons });
  const errors = [...parsed.errors, ...plan.errors];
  if (errors.length) return refuse(errors);

  const visibility = parsed.visibility;
  const answers = visibility === "PUBLIC" && parsed.body !== "";
  let result: { postId: number | null; changed: string[]; outbound: number[] } | null;
  const mail = { templates: deps.templates, secret: deps.secret };
  try {
    result = await inGuardedTx(io, inboundId, async (tx) => {
      const c = await tx.case.findUnique({ where: { id: caseId }, select: { status: true, heldFields: true } });
      if (!c) return null;
      const patch = { ...plan.patch };
      const outbound: number[] = [];
      // A verdict first: an approved change is applied before the reply's own commands.
      if (plan.verdict) {
        const decided = await decideApproval(tx, mail, { caseId, agentId: agent.id, verdict: plan.verdict.verdict, why: plan.verdict.why, now });
        if (!decided.ok) throw new AgentMailRefused(`#${plan.verdict.verdict}: ${decided.reason}`);
        outbound.push(...decided.outbound);
      }
      // An agent's public answer moves a new or assigned case on, unless the reply sets a status itself or
      // the status is held for approval.
      if (answers && patch.status === undefined && !c.heldFields.includes("status")) {
        const effect = onAgentPublicReply(c.status);
        if (effect.action === "set") patch.status = effect.to;
      }
      // The first response means the first public agent post; SLA levels apply in the order written.
      if (answers) patch.firstRespondedAt = now;
      const change = await changeCaseAsAgent(tx, mail, caseId, patch, { agentId: agent.id, by, now, internalNote: visibility === "INTERNAL" && parsed.body !== "", ...known });
      if (!change.ok) throw new AgentMailRefused(change.reason);
      outbound.push(...change.outbound);
      for (const contract of plan.slaLevels) {
        const level = await changeCaseAsAgent(tx, mail, caseId, { slaContract: contract }, { agentId: agent.id, by, now, ...known });
        if (!level.ok) throw new AgentMailRefused(`#sla ${contract}: ${level.reason}`);
        change.changed.push(...level.changed);
        outbound.push(...level.outbound);
      }
      if (plan.follow === "follow") await tx.follower.createMany({ data: [{ caseId, agentId: agent.id, reason: "follow" }], skipDuplicates: true });
      if (plan.follow === "unfollow") await tx.follower.deleteMany({ where: { caseId, agentId: agent.id } });
      const commands = describeCommands(parsed.commands);
      const close = parsed.commands.find((c) => c.kind === "close");
      const kbDraft = close !== undefined && parsed.commands.some((c) => c.kind === "kb");
      let postId: number | null = null;
      if (parsed.body !== "") {
        // Post, its Message-ID, its event (unless a KB draft's events must come first) and the inbound row: one
        // statement (case/filing-write.ts), before the SLA recompute that looks for this post.
        const filed = await fileOnCase(tx, caseId, {
          post: { visibility, source: "AGENT_EMAIL", author: { agentId: agent.id }, addresseeAgentId: plan.addresseeAgentId, subject: msg.subject, body: parsed.body, inboundId, threadRule: "reply-token" },
          messageId,
          contacts: [],
          followers: [],
          events: kbDraft ? [] : [{ event: { type: "post.added", data: { postId: null, by, visibility, commands, rule: "reply-token" } }, withPostId: true }],
          inbound: kbDraft ? null : { id: inboundId, outcome: "post", processedAt: now },
        });
        postId = filed.postId;
        await saveAttachments(tx, postId, msg.attachments);
      } else {
        await addMessageRef(tx, caseId, messageId);
      }
      // The first response (or a new customer wait) changes what is due; no audit entry for that alone.
      await recomputeSlaDue(tx, caseId, now, null, { contracts: config.contracts });
      if (close && kbDraft) {
        const draft = await createSolutionDraft(tx, { caseId, agentId: agent.id, solution: close.solution });
        if (!draft) throw new AgentMailRefused(`the knowledge base article of this case is already published: edit it with mailcase kb, not by #kb`);
        await recordEvents(tx, caseId, [{ type: "kb.draft", data: { ...draft, by } }]);
        outbound.push(...(await requestReview(tx, mail, { articleId: draft.articleId, caseId, by, now })));
      }
      if (postId === null || kbDraft) {
        await recordEvents(tx, caseId, [
          postId
            ? { type: "post.added", data: { postId, by, visibility, commands, rule: "reply-token" } }
            : { type: "agent.commands", data: { postId: null, by, visibility, commands, rule: "reply-token" } },
        ]);
      }
      if (postId === null || kbDraft) await markProcessed(deps, tx, inboundId, caseId, postId ? "post" : "commands");
      return { postId, changed: change.changed, outbound };
    });
  } catch (err) {
    if (!(err instanceof AgentMailRefused)) throw err;
    return refuse([err.message]);
  }
  if (!result) {
    const done = await alreadyDone(io, inboundId);
    if (done.kind === "already-done" && done.status === "PENDING") return quarantine(deps, io, inboundId, `reply token names case #${caseId}, which does not exist`);
    return done;
  }
  await io.sla([caseId]);
  if (result.outbound.length) await io.send(result.outbound);
  if (result.postId === null) return { kind: "commands-applied", caseId, changed: result.changed };
  await io.notify([{ v: 1, postId: result.postId, event: "post-added" }]);
  return { kind: "post-added", caseId, postId: result.postId, rule: "reply-token", visibility };
}

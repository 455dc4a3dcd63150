/**
 * Ingest one stored inbound message: guard → parse → classify → who sent it (sender-route.ts) → dispatch to
 * the agent-reply, forwarded or customer path, each writing its case changes in ONE transaction and
 * enqueuing notification planning after the commit.
 *
 * Idempotent: the inbound row's status is the guard (PENDING → PROCESSED/QUARANTINED inside the same
 * transaction as the case/post, inbound-status.ts), and Post.inboundId is unique, so a retried or duplicated
 * job can never create a second case or post. A message that cannot be processed is QUARANTINED with its
 * reason and the raw bytes kept — never dropped.
 */
import { survivorCaseId } from "../../case/ops/merge-case.ts";
import type { Deps } from "../../kernel/deps.ts";
import { classifyMessage } from "../../parsing/automatic/classify.ts";
import { extractForwarded } from "../../parsing/forwarded.ts";
import { PARSE_BUDGET_EXCEEDED, parseMessageWithBudget } from "../../parsing/parse-budget.ts";
import { parseMessageLazily as parseMessage } from "../../parsing/parse-message-lazy.ts";
import type { ParsedMessage } from "../../parsing/parsed-message.ts";
import { findReplyToken, replyAddress, signForwardToken } from "../../threading/reply-token.ts";
import { agentReply } from "./agent-reply.service.ts";
import { isSenderless, senderlessBounce } from "./bounce.service.ts";
import { customerMessage } from "./customer-post.service.ts";
import { quarantine } from "./inbound-status.ts";
import { liveIo, notifyFor, type IngestIo, type IngestOutcome } from "./ingest-io.ts";
import { oversized, quarantineOnCase, refuseAgentMail } from "./notices.service.ts";
import { routeSender } from "./sender-route.ts";
import { kbReviewReply } from "./kb-review-reply.service.ts";
import { answersSignInMail } from "../../portal/sign-in-mail.ts";

export { liveIo, txIo, type IngestIo, type IngestOutcome } from "./ingest-io.ts";

export async function ingestMessage(deps: Deps, inboundId: number, io: IngestIo = liveIo(deps)): Promise<IngestOutcome> {
  const row = await io.db.inboundMessage.findUnique({ where: { id: inboundId } });
  if (!row) return { kind: "missing" };
  // Mailboxes and agents: the configuration in memory (a mailbox configured a moment ago is read directly).
  const config = await deps.config.get();
  const mailbox = config.mailboxes.get(row.mailboxId) ?? (await io.db.mailbox.findUniqueOrThrow({ where: { id: row.mailboxId } }));
  const inbound = { ...row, mailbox };
  if (inbound.status !== "PENDING") {
    // A crash between commit and enqueue would leave the post un-notified: re-enqueue (idempotent job id).
    const post = await io.db.post.findUnique({ where: { inboundId } });
    if (post && post.notifiedAt === null) await io.notify([notifyFor(post)]);
    return { kind: "already-done", status: inbound.status };
  }
  const ownAddresses = [...config.ownAddresses];
  if (inbound.oversizeBytes !== null) return oversized(deps, io, inbound, ownAddresses);

  let msg: ParsedMessage;
  try {
    // In a worker with a time budget: one pathological message cannot stall the pipeline.
    msg = await parseMessageWithBudget(Buffer.from(inbound.raw), { timeoutMs: deps.limits.parseTimeoutMs });
  } catch (err) {
    const message = (err as Error).message;
    return quarantine(deps, io, inboundId, message.startsWith(PARSE_BUDGET_EXCEEDED) ? message : `unparseable: ${message}`);
  }

  // Answers to portal sign-in mails (a person, an auto-responder or a bounce) never become a case.
  if (answersSignInMail([...msg.inReplyTo, ...msg.references])) return quarantine(deps, io, inboundId, "answer to a portal sign-in mail: never a case");

  const classification = classifyMessage(msg, { ownAddresses });
  const sender = msg.from?.address ?? null;
  // A delivery report without a sender (null envelope, bare MAILER-DAEMON) is a bounce, not a nameless mail.
  if (classification.kind === "bounce" && isSenderless(sender)) return senderlessBounce(deps, io, inboundId, msg, classification, inbound.mailbox.address);
  const recipients = [...msg.to, ...msg.cc].map((a) => a.address).concat(msg.deliveredTo);
  const token = findReplyToken(deps.secret, inbound.mailbox.address, recipients);
  const tokenAgent = token.kind === "valid" ? token.token.agentId : token.kind === "forward" || token.kind === "review" ? token.agentId : null;
  // A reply address of an agent the snapshot does not know: configured a moment ago, read the configuration now.
  const cfg = tokenAgent !== null && !config.agents.has(tokenAgent) ? await deps.config.get({ fresh: true }) : config;
  const agents = [...cfg.agents.values()];
  const route = routeSender({
    sender,
    senderName: msg.from?.name ?? "",
    ownAddresses,
    automaticReason: classification.kind === "human" ? null : classification.reason,
    token,
    agents,
    startsWithForward: /^\s*#forward\b/i.test(msg.text),
    forwardAddressOf: (agentId) => replyAddress(inbound.mailbox.address, signForwardToken(deps.secret, agentId)),
  });
  const agentAddresses = agents.filter((a) => a.active).flatMap((a) => [a.email, ...a.aliases]);

  switch (route.kind) {
    case "quarantine":
      return quarantineOnCase(deps, io, inboundId, route.reason, route.rejectedOnCase, sender);
    case "refuse":
      return refuseAgentMail(deps, io, inboundId, msg, { to: route.to, name: route.name, locale: route.locale, caseId: null, reasons: route.reasons, logOnCase: route.rejectedOnCase });
    case "agent-reply":
      // A token minted for a case that was merged since answers on the survivor (case/ops/merge-case.ts).
      return agentReply(deps, io, inboundId, msg, route.agent, await survivorCaseId(io.db, route.caseId), route.visibility, inbound.mailbox.address);
    case "kb-review":
      return kbReviewReply(deps, io, inboundId, msg, route.agent, route.articleId);
    case "forwarded": {
      const original = await extractForwarded(msg, parseMessage).catch(() => null);
      const from = original?.from?.address ?? null;
      if (!original || !from || ownAddresses.includes(from) || agentAddresses.includes(from)) {
        return refuseAgentMail(deps, io, inboundId, msg, {
          to: route.agent.email,
          name: route.agent.name,
          locale: route.agent.locale,
          caseId: null,
          reasons: ["no customer's message found in the forward: forward the customer's mail inline or as an attachment, unchanged"],
        });
      }
      // Filed as the customer's own message (threaded by its own headers or tag); the agent is on record.
      const cls = classifyMessage(original, { ownAddresses });
      return customerMessage(deps, io, { inboundId, mailboxId: inbound.mailboxId, msg: original, sender: from, classification: cls, ownAddresses, agentAddresses, forwardedBy: route.agent.id, mailboxAddress: inbound.mailbox.address, secret: deps.secret });
    }
    case "customer":
      return customerMessage(deps, io, { inboundId, mailboxId: inbound.mailboxId, msg, sender: route.sender, classification, ownAddresses, agentAddresses, forwardedBy: null, mailboxAddress: inbound.mailbox.address, secret: deps.secret });
  }
}

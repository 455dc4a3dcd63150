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
import { parseMessage } from "../../parsing/parse-message.ts";
import type { ParsedMessage } from "../../parsing/parsed-message.ts";
import { findReplyToken, replyAddress, signForwardToken } from "../../threading/reply-token.ts";
import { agentReply } from "./agent-reply.service.ts";
import { customerMessage } from "./customer-post.service.ts";
import { quarantine } from "./inbound-status.ts";
import { liveIo, notifyFor, type IngestIo, type IngestOutcome } from "./ingest-io.ts";
import { oversized, quarantineOnCase, refuseAgentMail } from "./notices.service.ts";
import { routeSender } from "./sender-route.ts";

export { liveIo, txIo, type IngestIo, type IngestOutcome } from "./ingest-io.ts";

export async function ingestMessage(deps: Deps, inboundId: number, io: IngestIo = liveIo(deps)): Promise<IngestOutcome> {
  const inbound = await io.db.inboundMessage.findUnique({ where: { id: inboundId }, include: { mailbox: true, post: true } });
  if (!inbound) return { kind: "missing" };
  if (inbound.status !== "PENDING") {
    // A crash between commit and enqueue would leave the post un-notified: re-enqueue (idempotent job id).
    if (inbound.post && inbound.post.notifiedAt === null) await io.notify([notifyFor(inbound.post)]);
    return { kind: "already-done", status: inbound.status };
  }
  const mailboxes = await io.db.mailbox.findMany({ select: { address: true } });
  const ownAddresses = mailboxes.map((m) => m.address.toLowerCase());
  if (inbound.oversizeBytes !== null) return oversized(deps, io, inbound, ownAddresses);

  let msg: ParsedMessage;
  try {
    // In a worker with a time budget: one pathological message cannot stall the pipeline.
    msg = await parseMessageWithBudget(Buffer.from(inbound.raw), { timeoutMs: deps.limits.parseTimeoutMs });
  } catch (err) {
    const message = (err as Error).message;
    return quarantine(deps, io, inboundId, message.startsWith(PARSE_BUDGET_EXCEEDED) ? message : `unparseable: ${message}`);
  }

  const classification = classifyMessage(msg, { ownAddresses });
  const sender = msg.from?.address ?? null;
  const recipients = [...msg.to, ...msg.cc].map((a) => a.address).concat(msg.deliveredTo);
  const agents = await io.db.agent.findMany({ select: { id: true, email: true, aliases: true, active: true, name: true, locale: true } });
  const route = routeSender({
    sender,
    senderName: msg.from?.name ?? "",
    ownAddresses,
    automaticReason: classification.kind === "human" ? null : classification.reason,
    token: findReplyToken(deps.secret, inbound.mailbox.address, recipients),
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
      return customerMessage(deps, io, { inboundId, mailboxId: inbound.mailboxId, msg: original, sender: from, classification: cls, ownAddresses, agentAddresses, forwardedBy: route.agent.id });
    }
    case "customer":
      return customerMessage(deps, io, { inboundId, mailboxId: inbound.mailboxId, msg, sender: route.sender, classification, ownAddresses, agentAddresses, forwardedBy: null });
  }
}

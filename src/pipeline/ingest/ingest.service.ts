/**
 * Ingest one stored inbound message: parse → classify → identify sender → thread → (route + SLA) →
 * write case/post/followers in ONE transaction → enqueue notification planning after commit.
 *
 * Idempotent: the inbound row's status is the guard (PENDING → PROCESSED/QUARANTINED inside the same
 * transaction as the case/post), and Post.inboundId is unique, so a retried or duplicated job can never
 * create a second case or post. A message that cannot be processed is QUARANTINED with its reason and
 * the raw bytes kept — never dropped.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Deps } from "../../kernel/deps.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { DbOrTx } from "../../db/client.ts";
import { classifyMessage, type Classification } from "../../parsing/automatic/classify.ts";
import { parseMessage } from "../../parsing/parse-message.ts";
import { PARSE_BUDGET_EXCEEDED, parseMessageWithBudget } from "../../parsing/parse-budget.ts";
import type { ParsedMessage } from "../../parsing/parsed-message.ts";
import { trimReply } from "../../parsing/trim-reply.ts";
import { enqueueNotify, type NotifyPayload } from "../notify/notify.job.ts";
import { enqueueSend } from "../send/send.job.ts";
import { composeHeaders } from "../../case/compose.ts";
import { answersSignInMail } from "../../portal/sign-in-mail.ts";
import { routeCase, type GroupCandidate } from "../../routing/route-case.ts";
import { describeCommands, parseAgentCommands, type AgentRef } from "./agent-commands/parse.ts";
import { changeCase, type CasePatch } from "../../case/case-change.ts";
import { onAgentPublicReply, onCustomerReply, type ClosedReplyPolicy } from "../../case/status.ts";
import { assignInTeam, type TeamAssignment } from "../../routing/assign-in-team.ts";
import { changeSlaLevel, recomputeSlaDue } from "../../sla/sla.service.ts";
import { scheduleSla } from "../sla/sla-watch.service.ts";
import { findReplyToken, replyAddress, signForwardToken } from "../../threading/reply-token.ts";
import { extractForwarded } from "../../parsing/forwarded.ts";
import { resolveThread, type ThreadRule } from "../../threading/resolve-thread.ts";
import { findCaseTag, stripReplyPrefixes } from "../../threading/subject.ts";
import { formatCaseNumber } from "../../case/case-number.ts";
import { initialFollowers } from "../notify/notification-plan.ts";
import { agentDirectoryIds } from "../../case/access.ts";

type Tx = Prisma.TransactionClient;

/**
 * Where ingest reads, writes and sends its follow-up jobs. Live: the client, a real transaction, the
 * notify queue. Dry run / replay: everything inside one outer transaction the caller rolls back (or
 * commits), with follow-up jobs collected instead of enqueued — so a dry run runs exactly the live code.
 */
export interface IngestIo {
  db: DbOrTx;
  tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  notify(items: NotifyPayload[]): Promise<void>;
  /** Outbox rows written directly by ingest (notices), to be sent after commit. */
  send(outboundIds: number[]): Promise<void>;
  /** Re-schedules the SLA watch of cases whose due times may have moved; after commit. */
  sla(caseIds: number[]): Promise<void>;
  faultDelayMs: number;
}

export function liveIo(deps: Deps): IngestIo {
  return {
    db: deps.db,
    tx: (fn) => deps.db.$transaction(fn, { timeout: 30_000 + deps.faultIngestDelayMs, maxWait: 10_000 }),
    notify: (items) => enqueueNotify(deps.queues.notify, items),
    send: (ids) => enqueueSend(deps.queues.send, ids),
    sla: async (ids) => void (await scheduleSla(deps, ids)),
    faultDelayMs: deps.faultIngestDelayMs,
  };
}

export function txIo(tx: Tx, collected: NotifyPayload[]): IngestIo {
  // Replay and dry runs send nothing from here: quiet imports stay quiet.
  return { db: tx, tx: (fn) => fn(tx), notify: async (items) => void collected.push(...items), send: async () => undefined, sla: async () => undefined, faultDelayMs: 0 };
}

export type IngestOutcome =
  | { kind: "missing" }
  | { kind: "already-done"; status: string }
  | { kind: "case-created"; caseId: number; number: number; postId: number }
  | { kind: "post-added"; caseId: number; postId: number; rule: ThreadRule; visibility: string }
  | { kind: "commands-applied"; caseId: number; changed: string[] }
  | { kind: "quarantined"; reason: string };

const SUBJECT_MAX = 255;
const DESCRIPTION_MAX = 32_000;
const MAX_CC_CONTACTS = 20;

export async function ingestMessage(deps: Deps, inboundId: number, io: IngestIo = liveIo(deps)): Promise<IngestOutcome> {
  const inbound = await io.db.inboundMessage.findUnique({ where: { id: inboundId }, include: { mailbox: true, post: true } });
  if (!inbound) return { kind: "missing" };
  if (inbound.status !== "PENDING") {
    // A crash between commit and enqueue would leave the post un-notified: re-enqueue (idempotent job id).
    if (inbound.post && inbound.post.notifiedAt === null) await io.notify([notifyFor(inbound.post)]);
    return { kind: "already-done", status: inbound.status };
  }

  if (inbound.oversizeBytes !== null) return oversized(deps, io, inbound);

  let msg: ParsedMessage;
  try {
    // In a worker with a time budget: one pathological message cannot stall the pipeline.
    msg = await parseMessageWithBudget(Buffer.from(inbound.raw), { timeoutMs: deps.limits.parseTimeoutMs });
  } catch (err) {
    const message = (err as Error).message;
    return quarantine(deps, io, inboundId, message.startsWith(PARSE_BUDGET_EXCEEDED) ? message : `unparseable: ${message}`);
  }

  const mailboxes = await io.db.mailbox.findMany({ select: { address: true } });
  const ownAddresses = mailboxes.map((m) => m.address.toLowerCase());
  const classification = classifyMessage(msg, { ownAddresses });
  const automatic = classification.kind !== "human";
  const sender = msg.from?.address ?? null;
  if (!sender) return quarantine(deps, io, inboundId, "no sender address (From) to file the message under");
  if (ownAddresses.includes(sender)) return quarantine(deps, io, inboundId, `sent from our own address ${sender}: mail loop refused`);
  if (answersSignInMail([...msg.inReplyTo, ...msg.references])) return quarantine(deps, io, inboundId, "answer to a portal sign-in mail: never a case");

  const recipients = [...msg.to, ...msg.cc].map((a) => a.address).concat(msg.deliveredTo);
  const token = findReplyToken(deps.secret, inbound.mailbox.address, recipients);
  const agents = await io.db.agent.findMany({ include: { teams: true } });
  const senderAgent = agents.find((a) => a.email === sender || a.aliases.includes(sender)) ?? null;

  if (token.kind === "forged") return quarantine(deps, io, inboundId, `reply address token "${token.raw}" has a bad signature`);
  if (token.kind === "valid") {
    const agent = agents.find((a) => a.id === token.token.agentId);
    if (!agent || !agent.active || (agent.email !== sender && !agent.aliases.includes(sender))) {
      // Logged on the case (the token was genuine, so the case id is ours) for the agents to see.
      if (await io.db.case.findUnique({ where: { id: token.token.caseId }, select: { id: true } })) {
        await io.db.caseEvent.create({
          data: { caseId: token.token.caseId, type: "agent-reply.rejected", data: { inboundId, from: sender, reason: "From is not the agent the reply address was issued to" } },
        });
      }
      const why = `reply address issued to agent #${token.token.agentId} but From is ${sender}`;
      if (automatic) return quarantine(deps, io, inboundId, why);
      // Told back to the sender without naming the case: the sender is not verified.
      return refuseAgentMail(deps, io, inboundId, msg, {
        to: sender,
        name: msg.from?.name || sender,
        locale: senderAgent?.locale ?? "en",
        caseId: null,
        reasons: [`${why}: a reply address works only from the address of the agent it was sent to`],
      });
    }
    if (automatic) return quarantine(deps, io, inboundId, `automatic mail (${classification.reason}) on an agent reply address`);
    return agentPost(deps, io, inboundId, msg, agent, token.token.caseId, token.token.visibility);
  }
  if (token.kind === "forward") {
    const agent = agents.find((a) => a.id === token.agentId);
    if (!agent || !agent.active || (agent.email !== sender && !agent.aliases.includes(sender))) {
      const why = `forwarding address of agent #${token.agentId} used from ${sender}`;
      if (automatic) return quarantine(deps, io, inboundId, why);
      return refuseAgentMail(deps, io, inboundId, msg, { to: sender, name: msg.from?.name || sender, locale: "en", caseId: null, reasons: [`${why}: it works only from that agent's own address`] });
    }
    if (automatic) return quarantine(deps, io, inboundId, `automatic mail (${classification.reason}) on a forwarding address`);
    const original = await extractForwarded(msg, parseMessage).catch(() => null);
    const from = original?.from?.address ?? null;
    const agentAddresses = agents.flatMap((a) => [a.email, ...a.aliases]);
    if (!original || !from || ownAddresses.includes(from) || agentAddresses.includes(from)) {
      return refuseAgentMail(deps, io, inboundId, msg, {
        to: agent.email,
        name: agent.name,
        locale: agent.locale,
        caseId: null,
        reasons: ["no customer's message found in the forward: forward the customer's mail inline or as an attachment, unchanged"],
      });
    }
    // Filed as the customer's own message (threaded by its own headers or tag); the agent is on record.
    const cls = classifyMessage(original, { ownAddresses });
    return customerMessage(deps, io, inbound.id, inbound.mailboxId, original, from, cls, ownAddresses, agentAddresses, agent.id);
  }
  if (senderAgent) {
    // Agents are recognised by the signed reply address together with From, never by From alone.
    const forwardTo = replyAddress(inbound.mailbox.address, signForwardToken(deps.secret, senderAgent.id));
    const why = /^\s*#forward\b/i.test(msg.text)
      ? `to file a customer's mail, forward it to your personal forwarding address ${forwardTo}`
      : `mail from agent address ${sender} without a reply token: reply to a notification instead (to file a customer's mail, forward it to ${forwardTo})`;
    if (automatic) return quarantine(deps, io, inboundId, why);
    return refuseAgentMail(deps, io, inboundId, msg, { to: senderAgent.email, name: senderAgent.name, locale: senderAgent.locale, caseId: null, reasons: [why] });
  }
  return customerMessage(deps, io, inbound.id, inbound.mailboxId, msg, sender, classification, ownAddresses, agents.flatMap((a) => [a.email, ...a.aliases]));
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * A message over the size cap: only its header was downloaded. It is quarantined with the reason, and a
 * human sender is told once (one NOTICE per message, deduplicated like every outbox row) so they can send
 * it smaller or share a link. Automatic mail is never answered.
 */
async function oversized(
  deps: Deps,
  io: IngestIo,
  inbound: { id: number; raw: Uint8Array; oversizeBytes: number | null; messageId: string; mailbox: { address: string; displayName: string } },
): Promise<IngestOutcome> {
  const size = inbound.oversizeBytes ?? 0;
  const reason = `too large: ${mib(size)} over the ${mib(deps.limits.maxMessageBytes)} cap; only the header was kept`;
  let header: ParsedMessage | null = null;
  try {
    header = await parseMessage(Buffer.from(inbound.raw));
  } catch {
    header = null;
  }
  const mailboxes = await io.db.mailbox.findMany({ select: { address: true } });
  const ownAddresses = mailboxes.map((m) => m.address.toLowerCase());
  const sender = header?.from?.address ?? null;
  const human = header !== null && classifyMessage(header, { ownAddresses }).kind === "human";
  if (!sender || !human || ownAddresses.includes(sender)) return quarantine(deps, io, inbound.id, reason);

  const contact = await io.db.contact.findUnique({ where: { email: sender } });
  const domain = inbound.mailbox.address.slice(inbound.mailbox.address.lastIndexOf("@") + 1);
  const composed = composeHeaders({ kind: "NOTICE", caseId: 0, postId: null, recipientKey: `in${inbound.id}`, domain, threadIds: [inbound.messageId], parentId: inbound.messageId });
  const rendered = deps.templates.render(contact?.locale ?? "en", "notice", {
    contactName: contact?.name || header?.from?.name || sender,
    supportName: inbound.mailbox.displayName,
    subject: header?.subject || "(no subject)",
    size: mib(size),
    cap: mib(deps.limits.maxMessageBytes),
  });
  const outboundId = await io.tx(async (tx) => {
    const done = await tx.inboundMessage.updateMany({
      where: { id: inbound.id, status: "PENDING" },
      data: { status: "QUARANTINED", reason: `${reason}; the sender was told`, outcome: "quarantined", processedAt: deps.clock.now() },
    });
    if (done.count === 0) return null;
    return writeNotice(tx, { composed, rendered, mailbox: inbound.mailbox, to: sender, caseId: null, contactId: contact?.id ?? null });
  });
  if (outboundId === null) return { kind: "already-done", status: "QUARANTINED" };
  await io.send([outboundId]);
  deps.log.warn({ inboundId: inbound.id, reason }, "message quarantined");
  return { kind: "quarantined", reason: `${reason}; the sender was told` };
}

function notifyFor(post: { id: number; threadRule: string }): NotifyPayload {
  return { v: 1, postId: post.id, event: post.threadRule === "new-case" ? "case-opened" : "post-added" };
}

async function quarantine(deps: Deps, io: IngestIo, inboundId: number, reason: string): Promise<IngestOutcome> {
  await io.db.inboundMessage.updateMany({
    where: { id: inboundId, status: "PENDING" },
    data: { status: "QUARANTINED", reason, outcome: "quarantined", processedAt: deps.clock.now() },
  });
  deps.log.warn({ inboundId, reason }, "message quarantined");
  return { kind: "quarantined", reason };
}

/** Runs `fn` in a transaction that first re-checks the inbound guard; returns null when another worker won. */
async function inGuardedTx<T>(io: IngestIo, inboundId: number, fn: (tx: Tx) => Promise<T>): Promise<T | null> {
  return io.tx(async (tx) => {
    // Row lock: two workers racing on the same message serialise here; the loser sees PROCESSED.
    const rows = await tx.$queryRaw<{ status: string }[]>`SELECT status::text FROM "InboundMessage" WHERE id = ${inboundId} FOR UPDATE`;
    if (rows[0]?.status !== "PENDING") return null;
    const result = await fn(tx);
    if (io.faultDelayMs > 0) await sleep(io.faultDelayMs);
    return result;
  });
}

async function markProcessed(deps: Deps, tx: Tx, inboundId: number, caseId: number, outcome: string): Promise<void> {
  await tx.inboundMessage.update({ where: { id: inboundId }, data: { status: "PROCESSED", outcome, caseId, processedAt: deps.clock.now() } });
}

/**
 * Keeps a post's files. Content is stored once per SHA-256 (the same logo in every signature, the same PDF
 * sent to three cases): skipDuplicates makes a second copy a no-op.
 */
async function saveAttachments(tx: Tx, postId: number, attachments: ParsedMessage["attachments"]): Promise<void> {
  if (attachments.length === 0) return;
  const unique = new Map(attachments.map((a) => [a.sha256, a]));
  await tx.blob.createMany({ data: [...unique.values()].map((a) => ({ sha256: a.sha256, size: a.size, data: new Uint8Array(a.content) })), skipDuplicates: true });
  await tx.postAttachment.createMany({
    data: attachments.map((a) => ({ postId, sha256: a.sha256, filename: a.filename, contentType: a.contentType, contentId: a.contentId, inline: a.inline, size: a.size })),
  });
}

/** Indexes the message's id for threading; skipDuplicates because one message may reach several mailboxes. */
async function addRef(tx: Tx, caseId: number, messageId: string): Promise<void> {
  await tx.messageRef.createMany({ data: [{ messageId, caseId, direction: "in" }], skipDuplicates: true });
}

/** A refusal rolled back inside the transaction; its reason goes back to the agent. */
class AgentMailRefused extends Error {}

async function agentPost(
  deps: Deps,
  io: IngestIo,
  inboundId: number,
  msg: ParsedMessage,
  agent: { id: number; key: string; name: string; email: string; locale: string },
  caseId: number,
  tokenVisibility: "public" | "internal",
): Promise<IngestOutcome> {
  const parsed = parseAgentCommands(trimReply(msg.text).body, tokenVisibility === "internal" ? "INTERNAL" : "PUBLIC");
  const messageId = msg.messageId ?? `inbound-${inboundId}@mailcase.invalid`;
  const now = deps.clock.now();
  const by = `agent:${agent.id}`;
  const active = await io.db.agent.findMany({ where: { active: true } });
  const { mailbox: inboundMailbox } = await io.db.inboundMessage.findUniqueOrThrow({ where: { id: inboundId }, include: { mailbox: true } });
  const resolve = (ref: AgentRef) =>
    ref.kind === "self" ? (active.find((a) => a.id === agent.id) ?? null) : ref.kind === "key" ? (active.find((a) => a.key === ref.key) ?? null) : (active.find((a) => a.email === ref.email || a.aliases.includes(ref.email)) ?? null);
  const refName = (ref: AgentRef) => (ref.kind === "self" ? "me" : ref.kind === "key" ? `@${ref.key}` : ref.email);
  const errors = [...parsed.errors];
  let addresseeAgentId: number | null = null;
  const patch: CasePatch = {};
  for (const cmd of parsed.commands) {
    if (cmd.kind === "private") {
      const to = resolve(cmd.to);
      if (to) addresseeAgentId = to.id;
      else errors.push(`#private ${refName(cmd.to)}: no active agent by that name`);
    } else if (cmd.kind === "assign") {
      const to = resolve(cmd.to);
      if (to) patch.ownerId = to.id;
      else errors.push(`#assign ${refName(cmd.to)}: no active agent by that name`);
    } else if (cmd.kind === "status") patch.status = cmd.status;
    else if (cmd.kind === "close") Object.assign(patch, { status: cmd.status, solution: cmd.solution });
    else if (cmd.kind === "priority") patch.priority = cmd.priority;
    else if (cmd.kind === "severity") patch.severity = cmd.severity;
    else if (cmd.kind === "type") patch.type = cmd.caseType;
    else if (cmd.kind === "reason") patch.reason = cmd.reason;
    else if (cmd.kind === "portal") patch.internal = !cmd.visible;
    else if (cmd.kind === "forward")
      errors.push(`#forward does not work on a reply: forward the customer's mail to your forwarding address ${replyAddress(inboundMailbox.address, signForwardToken(deps.secret, agent.id))}`);
  }
  // Nothing is applied in part: a reply with any error is refused whole and explained to the agent.
  if (errors.length) return refuseAgentMail(deps, io, inboundId, msg, { to: agent.email, name: agent.name, locale: agent.locale, caseId, reasons: errors });

  const visibility = parsed.visibility;
  let result: { postId: number | null; changed: string[] } | null;
  try {
    result = await inGuardedTx(io, inboundId, async (tx) => {
      const c = await tx.case.findUnique({ where: { id: caseId } });
      if (!c) return null;
      // An agent's public answer moves a new or assigned case on, unless the reply sets a status itself.
      if (visibility === "PUBLIC" && parsed.body !== "" && patch.status === undefined) {
        const effect = onAgentPublicReply(c.status);
        if (effect.action === "set") patch.status = effect.to;
      }
      if (visibility === "PUBLIC" && parsed.body !== "" && c.firstRespondedAt === null) {
        // First response means the first public agent post.
        await tx.case.update({ where: { id: caseId }, data: { firstRespondedAt: now } });
      }
      const change = await changeCase(tx, caseId, patch, { by, now });
      if (!change.ok) throw new AgentMailRefused(change.reason);
      for (const cmd of parsed.commands) {
        if (cmd.kind !== "level") continue;
        // A new SLA level keeps the time already spent; refused (and nothing applied) for an unknown level.
        const level = await changeSlaLevel(tx, caseId, cmd.contract, { by, now });
        if (!level.ok) throw new AgentMailRefused(`#sla ${cmd.contract}: ${level.reason}`);
        if (level.changed) change.changed.push("sla");
      }
      for (const cmd of parsed.commands) {
        if (cmd.kind === "follow") await tx.follower.createMany({ data: [{ caseId, agentId: agent.id, reason: "follow" }], skipDuplicates: true });
        if (cmd.kind === "unfollow") await tx.follower.deleteMany({ where: { caseId, agentId: agent.id } });
      }
      let postId: number | null = null;
      if (parsed.body !== "") {
        const post = await tx.post.create({
          data: {
            caseId,
            visibility,
            source: "AGENT_EMAIL",
            authorAgentId: agent.id,
            addresseeAgentId,
            subject: msg.subject.slice(0, 998),
            body: parsed.body,
            inboundId,
            threadRule: "reply-token",
          },
        });
        await saveAttachments(tx, post.id, msg.attachments);
        postId = post.id;
      }
      // The first response (or a new customer wait) changes what is due; no audit entry for that alone.
      await recomputeSlaDue(tx, caseId, now, null);
      await addRef(tx, caseId, messageId);
      await tx.caseEvent.create({
        data: { caseId, type: postId ? "post.added" : "agent.commands", data: { postId, by, visibility, commands: describeCommands(parsed.commands), rule: "reply-token" } },
      });
      await markProcessed(deps, tx, inboundId, caseId, postId ? "post" : "commands");
      return { postId, changed: change.changed };
    });
  } catch (err) {
    if (!(err instanceof AgentMailRefused)) throw err;
    return refuseAgentMail(deps, io, inboundId, msg, { to: agent.email, name: agent.name, locale: agent.locale, caseId, reasons: [err.message] });
  }
  if (!result) {
    const again = await io.db.inboundMessage.findUnique({ where: { id: inboundId } });
    if (again?.status === "PENDING") return quarantine(deps, io, inboundId, `reply token names case #${caseId}, which does not exist`);
    return { kind: "already-done", status: again?.status ?? "missing" };
  }
  await io.sla([caseId]);
  if (result.postId === null) return { kind: "commands-applied", caseId, changed: result.changed };
  await io.notify([{ v: 1, postId: result.postId, event: "post-added" }]);
  return { kind: "post-added", caseId, postId: result.postId, rule: "reply-token", visibility };
}

/** One NOTICE outbox row (deduplicated by its key, so a retried ingest never writes a second); returns its id. */
async function writeNotice(
  tx: Tx,
  n: {
    composed: ReturnType<typeof composeHeaders>;
    rendered: { subject: string; text: string; html: string };
    mailbox: { address: string; displayName: string };
    to: string;
    caseId: number | null;
    contactId: number | null;
  },
): Promise<number> {
  const row = await tx.outboundMail.upsert({
    where: { dedupeKey: n.composed.dedupeKey },
    create: {
      dedupeKey: n.composed.dedupeKey,
      messageId: n.composed.messageId,
      kind: "NOTICE",
      caseId: n.caseId,
      recipientContactId: n.contactId,
      fromAddress: n.mailbox.address,
      fromName: n.mailbox.displayName,
      toAddress: n.to,
      subject: n.rendered.subject,
      text: n.rendered.text,
      html: n.rendered.html,
      inReplyTo: n.composed.inReplyTo,
      references: n.composed.references,
      headers: n.composed.headers,
    },
    update: {},
    select: { id: true },
  });
  return row.id;
}

/** At most this many explanations per address and hour: a misconfigured client must not start a mail loop. */
const REFUSAL_CAP_PER_HOUR = 5;

/**
 * Mail an agent (or whoever used an agent's reply address) sent that is not filed: quarantined with the
 * reasons, logged on the case when one is known, and explained back once per message, rate-limited per
 * address. Without a verified agent (`caseId` null) the explanation names no case.
 */
async function refuseAgentMail(
  deps: Deps,
  io: IngestIo,
  inboundId: number,
  msg: ParsedMessage,
  who: { to: string; name: string; locale: string; caseId: number | null; reasons: string[] },
): Promise<IngestOutcome> {
  const reason = `agent mail refused: ${who.reasons.join("; ")}`;
  const inbound = await io.db.inboundMessage.findUniqueOrThrow({ where: { id: inboundId }, include: { mailbox: true } });
  const c = who.caseId === null ? null : await io.db.case.findUnique({ where: { id: who.caseId } });
  const settings = await io.db.settings.findUnique({ where: { id: 1 } });
  const domain = inbound.mailbox.address.slice(inbound.mailbox.address.lastIndexOf("@") + 1);
  const parent = msg.messageId ?? inbound.messageId;
  const composed = composeHeaders({ kind: "NOTICE", caseId: c?.id ?? 0, postId: null, recipientKey: `in${inboundId}`, domain, threadIds: [parent], parentId: parent });
  const rendered = deps.templates.render(who.locale, "refused", {
    name: who.name,
    supportName: inbound.mailbox.displayName,
    subject: msg.subject || "(no subject)",
    caseRef: c && settings ? formatCaseNumber(settings.caseNumberFormat, { prefix: settings.caseTagPrefix, number: c.number, createdAt: c.createdAt }) : "",
    reasons: who.reasons,
  });
  const hourAgo = new Date(deps.clock.now().getTime() - 3_600_000);
  const outboundId = await io.tx(async (tx) => {
    const done = await tx.inboundMessage.updateMany({
      where: { id: inboundId, status: "PENDING" },
      data: { status: "QUARANTINED", reason, outcome: "quarantined", processedAt: deps.clock.now() },
    });
    if (done.count === 0) return null;
    if (c) await tx.caseEvent.create({ data: { caseId: c.id, type: "agent-reply.rejected", data: { inboundId, from: msg.from?.address ?? null, reasons: who.reasons } } });
    const recent = await tx.outboundMail.count({ where: { kind: "NOTICE", toAddress: who.to, createdAt: { gte: hourAgo } } });
    if (recent >= REFUSAL_CAP_PER_HOUR) return 0;
    return writeNotice(tx, { composed, rendered, mailbox: inbound.mailbox, to: who.to, caseId: c?.id ?? null, contactId: null });
  });
  if (outboundId === null) return { kind: "already-done", status: "QUARANTINED" };
  if (outboundId > 0) await io.send([outboundId]);
  deps.log.warn({ inboundId, reason }, "message quarantined");
  return { kind: "quarantined", reason };
}

async function customerMessage(
  deps: Deps,
  io: IngestIo,
  inboundId: number,
  mailboxId: number,
  msg: ParsedMessage,
  sender: string,
  classification: Classification,
  ownAddresses: string[],
  agentAddresses: string[],
  /** The agent who forwarded the customer's mail to their forwarding address, if that is how it came. */
  forwardedBy: number | null = null,
): Promise<IngestOutcome> {
  const automatic = classification.kind !== "human";
  const messageId = msg.messageId ?? `inbound-${inboundId}@mailcase.invalid`;
  const now = deps.clock.now();
  const domain = sender.slice(sender.lastIndexOf("@") + 1);

  const outcome = await inGuardedTx(io, inboundId, async (tx): Promise<IngestOutcome> => {
    const settings = await tx.settings.findUniqueOrThrow({ where: { id: 1 } });
    const account = await tx.account.findFirst({ where: { domains: { has: domain } } });
    const contact = await tx.contact.upsert({
      where: { email: sender },
      create: { email: sender, name: msg.from?.name || null, accountId: account?.id ?? null },
      update: {},
    });

    // Threading candidates.
    const ids = [...new Set([...msg.inReplyTo, ...msg.references])];
    const refs = ids.length ? await tx.messageRef.findMany({ where: { messageId: { in: ids } } }) : [];
    const caseOf = (id: string) => refs.find((r) => r.messageId === id)?.caseId ?? null;
    const tagNumber = findCaseTag(settings.caseTagPrefix, msg.subject);
    let subjectTag: { caseId: number; senderTakesPart: boolean } | null = null;
    if (tagNumber !== null) {
      const tagged = await tx.case.findUnique({ where: { number: tagNumber }, include: { contacts: true } });
      if (tagged) {
        const takesPart =
          tagged.contacts.some((cc) => cc.contactId === contact.id) || (contact.accountId !== null && tagged.accountId === contact.accountId);
        subjectTag = { caseId: tagged.id, senderTakesPart: takesPart };
      }
    }
    // A bounce of our own mail names the returned message: file it on that case, never on a new one.
    const bouncedOriginal = classification.bounce?.originalMessageId ?? null;
    const bouncedRef = bouncedOriginal ? await tx.messageRef.findUnique({ where: { messageId: bouncedOriginal } }) : null;
    const decision = resolveThread({
      tokenCaseId: null,
      bouncedOriginalCaseId: bouncedRef?.direction === "out" ? bouncedRef.caseId : null,
      inReplyToCases: msg.inReplyTo.map(caseOf),
      referenceCases: msg.references.map(caseOf),
      subjectTag,
    });

    // A reply to a closed case opens a new case linked to it (by default); other statuses react as the
    // pure rules say (a resolved case reopens, a waiting one resumes); automatic mail never changes status.
    let linkTo: number | null = null;
    let statusAction: ReturnType<typeof onCustomerReply> = { action: "none" };
    if (decision.kind === "existing") {
      const current = await tx.case.findUniqueOrThrow({ where: { id: decision.caseId }, select: { status: true } });
      statusAction = onCustomerReply(current.status, { closedReply: closedReplyPolicy(settings.closedReplyPolicy) }, { automatic });
      if (statusAction.action === "new-linked-case") linkTo = decision.caseId;
    }

    if (decision.kind === "existing" && linkTo === null) {
      // Automatic mail on a case is kept for agents only: it must never reach (or loop back to) customers.
      const visibility = automatic ? "INTERNAL" : "PUBLIC";
      const post = await tx.post.create({
        data: {
          caseId: decision.caseId,
          visibility,
          source: "CUSTOMER_EMAIL",
          authorContactId: contact.id,
          subject: msg.subject.slice(0, 998),
          body: automatic ? msg.text : trimReply(msg.text).body,
          inboundId,
          threadRule: decision.rule,
        },
      });
      await saveAttachments(tx, post.id, msg.attachments);
      // A machine (mailer-daemon, auto-responder) never becomes a contact of the case: nobody should mail it.
      if (!automatic) await tx.caseContact.createMany({ data: [{ caseId: decision.caseId, contactId: contact.id, role: "CC" }], skipDuplicates: true });
      await addRef(tx, decision.caseId, messageId);
      await tx.caseEvent.create({
        data: { caseId: decision.caseId, type: "post.added", data: { postId: post.id, by: `contact:${contact.id}`, visibility, rule: decision.rule, automatic: classification.reason, forwardedBy } },
      });
      if (statusAction.action === "resume" || statusAction.action === "reopen") {
        const changed = await changeCase(tx, decision.caseId, { status: statusAction.to }, { by: `contact:${contact.id}`, now, policyReopen: true });
        if (!changed.ok) deps.log.warn({ caseId: decision.caseId, reason: changed.reason }, "customer reply did not change the status");
      }
      // A customer post starts the next-response clock.
      if (!automatic) await recomputeSlaDue(tx, decision.caseId, now, null);
      if (classification.kind === "bounce" && decision.rule === "bounced-original") {
        // Only bounces of our own mail mark addresses: a forged DSN cannot silence an arbitrary contact.
        // "Action: failed" is final even with a 4.x status (Postfix reports expired mail as 4.4.x).
        const failed = (classification.bounce?.recipients ?? []).filter((r) => r.action === "failed" || r.status === null || r.status.startsWith("5")).map((r) => r.address);
        if (failed.length) {
          await tx.contact.updateMany({ where: { email: { in: failed } }, data: { bouncing: true } });
          await tx.caseEvent.create({ data: { caseId: decision.caseId, type: "contact.bouncing", data: { addresses: failed, inboundId } } });
        }
      }
      await markProcessed(deps, tx, inboundId, decision.caseId, "post");
      return { kind: "post-added", caseId: decision.caseId, postId: post.id, rule: decision.rule, visibility };
    }

    if (automatic) {
      // Never open a case for an auto-reply or bounce that matches nothing: that is how helpdesks loop.
      await tx.inboundMessage.update({
        where: { id: inboundId },
        data: { status: "QUARANTINED", outcome: "quarantined", reason: `automatic mail (${classification.reason}) that matches no case`, processedAt: now },
      });
      return { kind: "quarantined", reason: `automatic mail (${classification.reason}) that matches no case` };
    }

    // New case: route by the customer's group, apply its SLA contract.
    const mailbox = await tx.mailbox.findUniqueOrThrow({ where: { id: mailboxId }, include: { defaultArea: true } });
    const area = mailbox.defaultArea ?? (await tx.area.findUniqueOrThrow({ where: { key: settings.defaultAreaKey } }));
    const groups = await loadGroups(tx, contact.id, contact.accountId, domain);
    const routing = routeCase({ groups, area, areaSource: mailbox.defaultArea ? "mailbox" : "settings" });
    if (routing.ownerId === null && routing.teamId !== null) {
      const pick = await pickTeamMember(tx, routing.teamId);
      if (pick.agentId !== null) routing.ownerId = pick.agentId;
      routing.explain.push(`owner: ${pick.explain}`);
    }
    const subject = (stripReplyPrefixes(msg.subject) || "(no subject)").trim();
    const body = msg.text.trim();
    const overflow = subject.length > SUBJECT_MAX ? `${subject}\n\n` : "";
    const created = await tx.case.create({
      data: {
        subject: subject.slice(0, SUBJECT_MAX),
        description: (overflow + body).slice(0, DESCRIPTION_MAX),
        status: routing.ownerId !== null ? "ASSIGNED" : "NEW",
        priority: routing.priority,
        type: "QUESTION",
        origin: "EMAIL",
        mailboxId,
        accountId: contact.accountId,
        groupId: routing.groupId,
        areaId: routing.areaId,
        ownerId: routing.ownerId,
        teamId: routing.teamId,
        slaContractId: routing.slaContractId,
        routing: { explain: routing.explain, threading: decision.kind === "existing" ? `reply to closed case (${decision.rule}): new linked case` : decision.note },
        parentCaseId: linkTo,
        createdAt: now,
      },
    });
    // Business hours, holidays and severity targets: the SLA service decides the stored due times (once).
    const due = await recomputeSlaDue(tx, created.id, now, null);
    if (linkTo !== null) {
      await tx.caseEvent.create({ data: { caseId: linkTo, type: "case.linked", data: { caseId: created.id, number: created.number, reason: "customer replied to the closed case" } } });
    }
    const ccAddresses = [...new Set([...msg.to, ...msg.cc].map((a) => a.address))]
      .filter((a) => a !== sender && !ownAddresses.includes(a) && !agentAddresses.includes(a) && !isOwnPlusAddress(a, ownAddresses))
      .slice(0, MAX_CC_CONTACTS);
    const ccContacts = [];
    for (const address of ccAddresses) {
      ccContacts.push(await tx.contact.upsert({ where: { email: address }, create: { email: address }, update: {} }));
    }
    await tx.caseContact.createMany({
      data: [{ caseId: created.id, contactId: contact.id, role: "REQUESTER" }, ...ccContacts.map((c) => ({ caseId: created.id, contactId: c.id, role: "CC" as const }))],
      skipDuplicates: true,
    });
    const autoFollow = await tx.agent.findMany({ where: { autoFollowAll: true, active: true }, include: { teams: true } });
    // Auto-follow never reaches past a directory the agent may not see (group membership grants nothing).
    const grants = await tx.directoryAccess.findMany({ select: { directoryId: true, agentId: true, teamId: true } });
    const followers = initialFollowers({
      caseAccess: { ownerId: created.ownerId, teamId: created.teamId, contactIds: [contact.id], requesterDirectoryId: contact.directoryId },
      autoFollowAgents: autoFollow.map((a) => {
        const teamIds = a.teams.map((t) => t.teamId);
        return { id: a.id, active: a.active, teamIds, directoryIds: agentDirectoryIds(a.id, teamIds, grants) };
      }),
      requester: { id: contact.id, portalUser: contact.portalUser, bouncing: contact.bouncing },
    });
    await tx.follower.createMany({
      data: [
        ...followers.agentIds.map((f) => ({ caseId: created.id, agentId: f.id, reason: f.reason })),
        ...followers.contactIds.map((f) => ({ caseId: created.id, contactId: f.id, reason: f.reason })),
      ],
      skipDuplicates: true,
    });
    const post = await tx.post.create({
      data: {
        caseId: created.id,
        visibility: "PUBLIC",
        source: "CUSTOMER_EMAIL",
        authorContactId: contact.id,
        subject: msg.subject.slice(0, 998),
        body: trimReply(msg.text).body,
        inboundId,
        threadRule: "new-case",
      },
    });
    await saveAttachments(tx, post.id, msg.attachments);
    await addRef(tx, created.id, messageId);
    await tx.caseEvent.create({
      data: {
        caseId: created.id,
        type: "case.created",
        data: { inboundId, forwardedBy, routing: routing.explain, sla: due ? { firstResponseDueAt: due.firstResponseDueAt?.toISOString() ?? null, resolutionDueAt: due.resolutionDueAt?.toISOString() ?? null } : null, threading: decision.kind === "existing" ? `reply to closed case (${decision.rule}): new linked case` : decision.note },
      },
    });
    await markProcessed(deps, tx, inboundId, created.id, "case");
    return { kind: "case-created", caseId: created.id, number: created.number, postId: post.id };
  });

  if (outcome === null) {
    const again = await io.db.inboundMessage.findUnique({ where: { id: inboundId } });
    return { kind: "already-done", status: again?.status ?? "missing" };
  }
  if (outcome.kind === "case-created" || outcome.kind === "post-added") await io.sla([outcome.caseId]);
  if (outcome.kind === "case-created") await io.notify([{ v: 1, postId: outcome.postId, event: "case-opened" }]);
  if (outcome.kind === "post-added") await io.notify([{ v: 1, postId: outcome.postId, event: "post-added" }]);
  if (outcome.kind === "quarantined") deps.log.warn({ inboundId, reason: outcome.reason }, "message quarantined");
  return outcome;
}

function closedReplyPolicy(value: string): ClosedReplyPolicy {
  return value === "reopen" || value === "append" ? value : "new-linked-case";
}

/**
 * Gives a case routed to a team without an agent an owner, as the team is configured. The team row is
 * locked so two cases opened at once take turns instead of both going to the same member.
 */
async function pickTeamMember(tx: Tx, teamId: number): Promise<{ agentId: number | null; explain: string }> {
  await tx.$queryRaw`SELECT id FROM "Team" WHERE id = ${teamId} FOR UPDATE`;
  const team = await tx.team.findUniqueOrThrow({ where: { id: teamId }, include: { members: { include: { agent: true } } } });
  const strategy: TeamAssignment = team.assignment === "round-robin" || team.assignment === "least-loaded" ? team.assignment : "none";
  if (strategy === "none") return { agentId: null, explain: `team ${team.key} assigns nobody automatically` };
  const ids = team.members.map((m) => m.agentId);
  const open = await tx.case.groupBy({ by: ["ownerId"], where: { ownerId: { in: ids }, status: { notIn: ["RESOLVED", "CLOSED"] } }, _count: { _all: true } });
  const pick = assignInTeam(
    strategy,
    team.members.map((m) => ({ agentId: m.agentId, active: m.agent.active, openCases: open.find((o) => o.ownerId === m.agentId)?._count._all ?? 0 })),
    team.lastAssignedAgentId,
  );
  if (pick.agentId !== null) await tx.team.update({ where: { id: teamId }, data: { lastAssignedAgentId: pick.agentId } });
  return { agentId: pick.agentId, explain: `${pick.explain} of ${team.key}` };
}

function isOwnPlusAddress(address: string, own: string[]): boolean {
  return own.some((o) => {
    const at = o.lastIndexOf("@");
    return address.endsWith(o.slice(at)) && address.startsWith(`${o.slice(0, at)}+`);
  });
}

/** Every customer group the sender belongs to, directly, through their account, or by mail domain. */
async function loadGroups(tx: Tx, contactId: number, accountId: number | null, domain: string): Promise<GroupCandidate[]> {
  const include = { responsibilities: true } as const;
  // Sequential on purpose: a transaction has one connection, parallel queries would only queue on it.
  const byContact = await tx.customerGroup.findMany({ where: { contacts: { some: { contactId } } }, include });
  const byAccount = accountId === null ? [] : await tx.customerGroup.findMany({ where: { accounts: { some: { accountId } } }, include });
  const byDomain = await tx.customerGroup.findMany({ where: { domains: { some: { domain } } }, include });
  const out = new Map<number, GroupCandidate>();
  const add = (list: typeof byContact, via: GroupCandidate["via"]) => {
    for (const g of list) {
      if (out.has(g.id)) continue;
      out.set(g.id, {
        id: g.id,
        key: g.key,
        priority: g.priority,
        slaContractId: g.slaContractId,
        defaultCasePriority: g.defaultCasePriority,
        via,
        responsibilities: g.responsibilities.map((r) => ({ areaId: r.areaId, agentId: r.agentId, teamId: r.teamId })),
      });
    }
  };
  add(byContact, "contact");
  add(byAccount, "account");
  add(byDomain, "domain");
  return [...out.values()];
}

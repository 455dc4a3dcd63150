/**
 * Notices ingest mails back about a message it does not file: "your message was too large" to a customer,
 * and the explanation of a refused agent reply. Both are quarantined with their reason (raw kept) and the
 * notice is written in the same transaction, deduplicated by the inbound message, so a retry never tells
 * anyone twice. Automatic mail is never answered.
 */
import { recordEvents } from "../../case/case-events.ts";
import { caseNo, formatCaseNumber } from "../../case/case-number.ts";
import { writeOutbound } from "../../case/outbox.ts";
import type { Deps } from "../../kernel/deps.ts";
import { classifyMessage } from "../../parsing/automatic/classify.ts";
import { parseMessageLazily as parseMessage } from "../../parsing/parse-message-lazy.ts";
import type { ParsedMessage } from "../../parsing/parsed-message.ts";
import { markQuarantined, quarantine } from "./inbound-status.ts";
import type { IngestIo, IngestOutcome } from "./ingest-io.ts";

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * A message over the size cap: only its header was downloaded. It is quarantined with the reason, and a
 * human sender is told once so they can send it smaller or share a link.
 */
export async function oversized(
  deps: Deps,
  io: IngestIo,
  inbound: { id: number; raw: Uint8Array; oversizeBytes: number | null; messageId: string; mailbox: { address: string; displayName: string } },
  ownAddresses: string[],
): Promise<IngestOutcome> {
  const size = inbound.oversizeBytes ?? 0;
  const reason = `too large: ${mib(size)} over the ${mib(deps.limits.maxMessageBytes)} cap; only the header was kept`;
  let header: ParsedMessage | null = null;
  try {
    header = await parseMessage(Buffer.from(inbound.raw));
  } catch {
    header = null;
  }
  const sender = header?.from?.address ?? null;
  const human = header !== null && classifyMessage(header, { ownAddresses }).kind === "human";
  if (!sender || !human || ownAddresses.includes(sender)) return quarantine(deps, io, inbound.id, reason);

  const contact = await io.db.contact.findUnique({ where: { email: sender } });
  const rendered = deps.templates.render(contact?.locale ?? "en", "notice", {
    contactName: contact?.name || header?.from?.name || sender,
    supportName: inbound.mailbox.displayName,
    subject: header?.subject || "(no subject)",
    size: mib(size),
    cap: mib(deps.limits.maxMessageBytes),
  });
  const told = `${reason}; the sender was told`;
  const pending = await io.tx(async (tx) => {
    if (!(await markQuarantined(deps, tx, inbound.id, told))) return null;
    const out = await writeOutbound(tx, [
      {
        kind: "NOTICE",
        caseId: null,
        postId: null,
        recipientKey: `in${inbound.id}`,
        to: { address: sender, contactId: contact?.id ?? null },
        from: { address: inbound.mailbox.address, name: inbound.mailbox.displayName },
        replyTo: null,
        rendered,
        threadIds: [inbound.messageId],
        parentId: inbound.messageId,
        threadReplies: false,
      },
    ]);
    return out.pending.map((p) => p.id);
  });
  if (pending === null) return { kind: "already-done", status: "QUARANTINED" };
  await io.send(pending);
  deps.log.warn({ inboundId: inbound.id, reason }, "message quarantined");
  return { kind: "quarantined", reason: told };
}

/** At most this many explanations per address and hour: a misconfigured client must not start a mail loop. */
const REFUSAL_CAP_PER_HOUR = 5;

/**
 * Mail an agent (or whoever used an agent's reply address) sent that is not filed: quarantined with the
 * reasons, logged on the case when one is known, and explained back once per message, rate-limited per
 * address. Without a verified agent (`caseId` null) the explanation names no case.
 */
export async function refuseAgentMail(
  deps: Deps,
  io: IngestIo,
  inboundId: number,
  msg: ParsedMessage,
  who: { to: string; name: string; locale: string; caseId: number | null; reasons: string[]; logOnCase?: number | null },
): Promise<IngestOutcome> {
  const reason = `agent mail refused: ${who.reasons.join("; ")}`;
  const inbound = await io.db.inboundMessage.findUniqueOrThrow({ where: { id: inboundId }, include: { mailbox: true } });
  const c = who.caseId === null ? null : await io.db.case.findUnique({ where: { id: who.caseId } });
  const settings = await io.db.settings.findUnique({ where: { id: 1 } });
  const parent = msg.messageId ?? inbound.messageId;
  const rendered = deps.templates.render(who.locale, "refused", {
    name: who.name,
    supportName: inbound.mailbox.displayName,
    subject: msg.subject || "(no subject)",
    caseRef: c && settings ? formatCaseNumber(settings.caseNumberFormat, { prefix: settings.caseTagPrefix, number: caseNo(c.number), createdAt: c.createdAt }) : "",
    reasons: who.reasons,
  });
  // The case the attempt is logged on: the verified agent's, or a genuine token's (named to nobody).
  const logCaseId = c?.id ?? who.logOnCase ?? null;
  const hourAgo = new Date(deps.clock.now().getTime() - 3_600_000);
  const pending = await io.tx(async (tx) => {
    if (!(await markQuarantined(deps, tx, inboundId, reason))) return null;
    if (logCaseId !== null && (c || (await tx.case.findUnique({ where: { id: logCaseId }, select: { id: true } })))) {
      await recordEvents(tx, logCaseId, [{ type: "agent-reply.rejected", data: { inboundId, from: msg.from?.address ?? null, reasons: who.reasons } }]);
    }
    const recent = await tx.outboundMail.count({ where: { kind: "NOTICE", toAddress: who.to, createdAt: { gte: hourAgo } } });
    if (recent >= REFUSAL_CAP_PER_HOUR) return [];
    const out = await writeOutbound(tx, [
      {
        kind: "NOTICE",
        caseId: c?.id ?? null,
        postId: null,
        recipientKey: `in${inboundId}`,
        to: { address: who.to },
        from: { address: inbound.mailbox.address, name: inbound.mailbox.displayName },
        replyTo: null,
        rendered,
        threadIds: [parent],
        parentId: parent,
        threadReplies: false,
      },
    ]);
    return out.pending.map((p) => p.id);
  });
  if (pending === null) return { kind: "already-done", status: "QUARANTINED" };
  await io.send(pending);
  deps.log.warn({ inboundId, reason }, "message quarantined");
  return { kind: "quarantined", reason };
}

/** A quarantine of mail on a genuine reply address: the attempt is logged on the token's case. */
export async function quarantineOnCase(deps: Deps, io: IngestIo, inboundId: number, reason: string, caseId: number | null, from: string | null): Promise<IngestOutcome> {
  if (caseId !== null && (await io.db.case.findUnique({ where: { id: caseId }, select: { id: true } }))) {
    await io.tx((tx) => recordEvents(tx, caseId, [{ type: "agent-reply.rejected", data: { inboundId, from, reason: "From is not the agent the reply address was issued to" } }]));
  }
  return quarantine(deps, io, inboundId, reason);
}

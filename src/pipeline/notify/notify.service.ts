/**
 * Plans the emails one post causes (pure plan), renders them and writes one outbox row per recipient,
 * all in one transaction; sending happens afterwards, per row, on the send queue.
 *
 * Idempotent: Post.notifiedAt is the guard and OutboundMail.dedupeKey is unique, so a retried job never
 * writes a second row; it only re-enqueues the rows still PENDING (deterministic send job ids).
 */
import type { Deps } from "../../kernel/deps.ts";
import type { OutboundKind } from "../../kernel/domain-types.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { formatCaseNumber } from "../../case/case-number.ts";
import { recordEvents, type CaseEvent } from "../../case/case-events.ts";
import { writeOutbound, type OutboundDraft } from "../../case/outbox.ts";
import { enqueueSend } from "../send/send.job.ts";
import type { TemplateName } from "../../render/templates.ts";
import { replyAddress, signReplyToken } from "../../threading/reply-token.ts";
import { agentDirectoryIds, caseAccessOf } from "../../case/access.ts";
import { caseTag, taggedSubject } from "../../threading/subject.ts";
import { planNotifications, portalCaseUrl, withinAutoMailCap, type PlanAgent, type PlanContact, type PlannedRecipient } from "./notification-plan.ts";

export type NotifyOutcome = { kind: "missing" } | { kind: "planned"; outbound: number } | { kind: "already-planned"; pending: number };

const TEMPLATE: Record<OutboundKind, TemplateName> = { NOTICE: "notice", ACK: "ack", NEW_CASE: "new-case", UPDATE: "update", REPLY: "reply" };

export async function notifyPost(deps: Deps, postId: number, event: "case-opened" | "post-added"): Promise<NotifyOutcome> {
  const planned = await deps.db.$transaction(
    async (tx) => {
      const rows = await tx.$queryRaw<{ notifiedAt: Date | null }[]>`SELECT "notifiedAt" FROM "Post" WHERE id = ${postId} FOR UPDATE`;
      if (rows.length === 0) return { kind: "missing" } as const;
      if (rows[0]?.notifiedAt) return { kind: "already-planned" } as const;
      const count = await planAndWrite(deps, tx, postId, event);
      await tx.post.update({ where: { id: postId }, data: { notifiedAt: deps.clock.now() } });
      return { kind: "planned", count } as const;
    },
    { timeout: 30_000 },
  );
  if (planned.kind === "missing") return planned;
  const pending = await deps.db.outboundMail.findMany({ where: { postId, status: "PENDING" }, select: { id: true, kind: true } });
  // Updates wait the coalescing window so a burst of posts becomes one mail per recipient; acknowledgements,
  // new-case notices and agents' answers to customers go at once.
  await enqueueSend(deps.queues.send, pending.filter((p) => p.kind !== "UPDATE").map((p) => p.id));
  await enqueueSend(deps.queues.send, pending.filter((p) => p.kind === "UPDATE").map((p) => p.id), deps.coalesceMs);
  return planned.kind === "planned" ? { kind: "planned", outbound: planned.count } : { kind: "already-planned", pending: pending.length };
}

export async function planAndWrite(deps: Deps, tx: Prisma.TransactionClient, postId: number, event: "case-opened" | "post-added"): Promise<number> {
  const post = await tx.post.findUniqueOrThrow({
    where: { id: postId },
    include: {
      authorAgent: true,
      authorContact: true,
      inbound: { select: { messageId: true } },
      case: {
        include: {
          contacts: { include: { contact: true } },
          followers: true,
          owner: true,
          team: { include: { members: true } },
          area: true,
          group: true,
          mailbox: true,
          inbound: { where: { status: "PROCESSED" }, orderBy: { id: "asc" }, select: { messageId: true, post: { select: { authorContactId: true } } } },
        },
      },
    },
  });
  const c = post.case;
  const mailbox = c.mailbox ?? (await tx.mailbox.findFirstOrThrow({ orderBy: { id: "asc" } }));
  const settings = await tx.settings.findUniqueOrThrow({ where: { id: 1 } });
  const agentRows = await tx.agent.findMany({ include: { teams: true } });
  // Directory grants decide, with the team, which agents may see the case and which posts (stream/visibility.ts).
  const grants = await tx.directoryAccess.findMany({ select: { directoryId: true, agentId: true, teamId: true } });
  const agents = new Map<number, PlanAgent & { name: string; email: string; locale: string }>(
    agentRows.map((a) => {
      const teamIds = a.teams.map((t) => t.teamId);
      return [
        a.id,
        { id: a.id, active: a.active, teamIds, directoryIds: agentDirectoryIds(a.id, teamIds, grants), preferences: a.preferences, name: a.name, email: a.email, locale: a.locale },
      ];
    }),
  );
  const contacts = new Map<number, PlanContact & { email: string; name: string | null; locale: string }>(
    c.contacts.map(({ contact }) => [
      contact.id,
      { id: contact.id, portalUser: contact.portalUser, bouncing: contact.bouncing, email: contact.email, name: contact.name, locale: contact.locale },
    ]),
  );
  // Automatic mail never opens a case (ingest quarantines it), so an opening post is always human mail.
  const automatic = false;
  const plan = planNotifications({
    event,
    caseAccess: caseAccessOf(c),
    post: { ...post, authorDirectoryId: post.authorContact?.directoryId ?? null },
    followerAgentIds: c.followers.flatMap((f) => (f.agentId === null ? [] : [f.agentId])),
    followerContactIds: c.followers.flatMap((f) => (f.contactId === null ? [] : [f.contactId])),
    teamMemberIds: c.team?.members.map((m) => m.agentId) ?? [],
    teamFollowsCases: c.team?.followsCases ?? true,
    agents,
    contacts,
    automatic,
    caseInternal: c.internal,
    acknowledge: c.acknowledge,
  });

  const tagPrefix = settings.caseTagPrefix;
  const threadIds = c.inbound.length ? [c.inbound[0]!.messageId] : [];
  const lastCustomerId = [...c.inbound].reverse().find((m) => m.post?.authorContactId != null)?.messageId ?? null;
  const authorName = post.authorAgent?.name ?? post.authorContact?.name ?? post.authorContact?.email ?? "Mailcase";
  const fmt = (d: Date | null) => (d ? d.toISOString().replace("T", " ").slice(0, 16) + " UTC" : "none");
  const baseView = {
    tag: caseTag(tagPrefix, c.number),
    caseRef: formatCaseNumber(settings.caseNumberFormat, { prefix: tagPrefix, number: c.number, createdAt: c.createdAt }),
    subject: c.subject,
    supportName: mailbox.displayName,
    body: post.body,
    authorName,
    internal: post.visibility !== "PUBLIC",
    fromName: post.authorContact?.name || post.authorContact?.email || authorName,
    fromAddress: post.authorContact?.email ?? post.authorAgent?.email ?? "",
    groupName: c.group?.name ?? "(none)",
    areaName: c.area.name,
    ownerName: c.owner?.name ?? "(unassigned)",
    teamName: c.team?.name ?? "(none)",
    priority: c.priority,
    firstResponseDue: fmt(c.firstResponseDueAt),
    resolutionDue: fmt(c.resolutionDueAt),
  };

  const drafts: OutboundDraft[] = [];
  const suppressed: string[] = [];
  const hourAgo = new Date(deps.clock.now().getTime() - 3_600_000);
  for (const r of plan) {
    const recipient = resolveRecipient(r, agents, contacts);
    if (!recipient) continue;
    if (r.to === "contact" && (r.kind === "ACK" || r.kind === "UPDATE")) {
      const recent = await tx.outboundMail.count({
        where: { recipientContactId: r.contactId, kind: r.kind, createdAt: { gte: hourAgo }, ...(r.kind === "UPDATE" ? { caseId: c.id } : {}) },
      });
      if (!withinAutoMailCap(r.kind, recent)) {
        suppressed.push(`${r.kind}:${recipient.address}`);
        continue;
      }
    }
    const view = {
      ...baseView,
      contactName: recipient.name,
      agentName: post.authorAgent?.name ?? mailbox.displayName,
      arrivalOnly: r.view === "arrival-only",
      forAgent: r.to === "agent",
      body: r.view === "arrival-only" ? "" : post.body,
      // Portal followers (the only contacts who get updates) can open the case in the portal. Agents get no
      // link: the portal is the customers' view, and agents work the case from this mail.
      caseUrl: r.to === "contact" && r.kind === "UPDATE" && deps.portalUrl ? portalCaseUrl(deps.portalUrl, c.number) : "",
    };
    const rendered = deps.templates.render(recipient.locale, TEMPLATE[r.kind], view);
    drafts.push({
      kind: r.kind,
      caseId: c.id,
      postId: post.id,
      recipientKey: recipient.key,
      to: { address: recipient.address, agentId: r.to === "agent" ? r.agentId : null, contactId: r.to === "contact" ? r.contactId : null },
      from: { address: mailbox.address, name: r.kind === "REPLY" && post.authorAgent ? `${post.authorAgent.name} via ${mailbox.displayName}` : mailbox.displayName },
      // Agents answer through a signed address bound to case, agent and the post's visibility.
      replyTo:
        r.to === "agent"
          ? replyAddress(mailbox.address, signReplyToken(deps.secret, { caseId: c.id, agentId: r.agentId, visibility: post.visibility === "PUBLIC" ? "public" : "internal" }))
          : mailbox.address,
      rendered: { ...rendered, subject: r.kind === "NEW_CASE" ? rendered.subject : taggedSubject(tagPrefix, c.number, rendered.subject) },
      threadIds,
      parentId: r.kind === "REPLY" ? lastCustomerId : (post.inbound?.messageId ?? lastCustomerId),
      threadReplies: true,
    });
  }
  const events: CaseEvent[] = [];
  if (suppressed.length) events.push({ type: "notifications.suppressed", data: { postId, reason: "automatic-mail cap per address", recipients: suppressed } });
  const { written } = await writeOutbound(tx, drafts);
  if (drafts.length) {
    events.push({ type: "notifications.planned", data: { postId, recipients: plan.map((p) => `${p.kind}:${p.to}:${p.to === "agent" ? p.agentId : p.contactId}:${p.reason}`) } });
  }
  await recordEvents(tx, c.id, events);
  return written;
}

function resolveRecipient(
  r: PlannedRecipient,
  agents: Map<number, { email: string; name: string; locale: string }>,
  contacts: Map<number, { email: string; name: string | null; locale: string }>,
): { address: string; name: string; locale: string; key: string } | null {
  if (r.to === "agent") {
    const a = agents.get(r.agentId);
    return a ? { address: a.email, name: a.name, locale: a.locale, key: `a${r.agentId}` } : null;
  }
  const c = contacts.get(r.contactId);
  return c ? { address: c.email, name: c.name || c.email, locale: c.locale, key: `c${r.contactId}` } : null;
}

/**
 * Plans the emails one post causes (pure plan), renders them and writes one outbox row per recipient,
 * all in one transaction; sending happens afterwards, per row, on the send queue.
 *
 * Idempotent: Post.notifiedAt is the guard and OutboundMail.dedupeKey is unique, so a retried job never
 * writes a second row; it only re-enqueues the rows still PENDING (deterministic send job ids).
 */
import { ackArticles } from "../../kb/ack-articles.ts";
import { productField, storedFields, visibleFields } from "../../case/custom-fields.ts";
import type { Deps } from "../../kernel/deps.ts";
import type { OutboundKind } from "../../kernel/domain-types.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { caseNo, formatCaseNumber } from "../../case/case-number.ts";
import { recordEvents, type CaseEvent } from "../../case/case-events.ts";
import { writeOutbound, type OutboundDraft } from "../../case/outbox.ts";
import { enqueueSend } from "../send/send.job.ts";
import type { TemplateName } from "../../render/templates.ts";
import { replyAddress, signReplyToken } from "../../threading/reply-token.ts";
import { caseAccessOf } from "../../case/access.ts";
import { loadConfigSnapshot, type ConfigSnapshot } from "../../config/config-cache.ts";
import { caseTag, taggedSubject } from "../../threading/subject.ts";
import {
  noticeAttachments,
  planNotifications,
  portalCaseUrl,
  updateSendDelay,
  withinAutoMailCap,
  type PlanContact,
  type PlannedRecipient,
} from "./notification-plan.ts";
import { readAutomation } from "../../config/automation-config.ts";
import { attachmentUrl, signAttachment } from "../../links/signed-links.ts";
import type { Rendered } from "../../render/templates.ts";
import { notifyPreference } from "../../portal/preferences.ts";

export type NotifyOutcome = { kind: "missing" } | { kind: "planned"; outbound: number } | { kind: "already-planned"; pending: number };

const TEMPLATE: Record<OutboundKind, TemplateName> = { NOTICE: "notice", ACK: "ack", NEW_CASE: "new-case", UPDATE: "update", REPLY: "reply", SIGN_IN: "sign-in", APPROVAL: "approval" };

export async function notifyPost(deps: Deps, postId: number, event: "case-opened" | "post-added"): Promise<NotifyOutcome> {
  // Read before the transaction: waiting for a pooled connection while holding one could starve the pool.
  const config = await deps.config.get();
  const planned = await deps.db.$transaction(
    async (tx) => {
      // The guard and its mark in one statement: the row lock serialises two jobs for the same post, and
      // notifiedAt set here commits with the outbox rows below or rolls back with them.
      const claimed = await tx.post.updateMany({ where: { id: postId, notifiedAt: null }, data: { notifiedAt: deps.clock.now() } });
      if (claimed.count === 0) {
        const exists = await tx.post.findUnique({ where: { id: postId }, select: { id: true } });
        return exists ? ({ kind: "already-planned" } as const) : ({ kind: "missing" } as const);
      }
      const { written, pending } = await planAndWrite(deps, tx, postId, event, config);
      return { kind: "planned", count: written, pending } as const;
    },
    { timeout: 30_000 },
  );
  if (planned.kind === "missing") return planned;
  // Planned now: the rows this transaction wrote are the ones to send. Planned before (a retry after the commit):
  // whatever of this post is still waiting.
  const pending =
    planned.kind === "planned" ? planned.pending : await deps.db.outboundMail.findMany({ where: { postId, status: "PENDING" }, select: { id: true, kind: true } });
  // Acknowledgements, new-case notices and agents' answers to customers go at once; updates go at once too
  // unless the recipient heard about the case within the coalescing window, then they wait it (leading edge).
  await enqueueSend(deps.queues.send, pending.filter((p) => p.kind !== "UPDATE").map((p) => p.id));
  const updates = pending.filter((p) => p.kind === "UPDATE");
  if (updates.length) {
    const now = deps.clock.now();
    const rows = await deps.db.outboundMail.findMany({ where: { id: { in: updates.map((u) => u.id) } }, select: { id: true, caseId: true, toAddress: true } });
    const leading: number[] = [];
    const trailing: number[] = [];
    for (const r of rows) {
      // The last earlier mail of this case to this address that a burst continues: a new-case notice or an update.
      const previous = await deps.db.outboundMail.findFirst({
        where: { caseId: r.caseId, toAddress: r.toAddress, kind: { in: ["NEW_CASE", "UPDATE"] }, id: { lt: r.id }, createdAt: { gte: new Date(now.getTime() - deps.coalesceMs) } },
        orderBy: { id: "desc" },
        select: { createdAt: true },
      });
      (updateSendDelay(previous?.createdAt ?? null, now, deps.coalesceMs) === 0 ? leading : trailing).push(r.id);
    }
    await enqueueSend(deps.queues.send, leading);
    await enqueueSend(deps.queues.send, trailing, deps.coalesceMs);
  }
  return planned.kind === "planned" ? { kind: "planned", outbound: planned.count } : { kind: "already-planned", pending: pending.length };
}

/** Plans and writes the post's mails; returns how many rows are new and the post's rows still to be sent. */
export async function planAndWrite(
  deps: Deps,
  tx: Prisma.TransactionClient,
  postId: number,
  event: "case-opened" | "post-added",
  preloaded?: ConfigSnapshot,
): Promise<{ written: number; pending: Array<{ id: number; kind: OutboundKind }> }> {
  // The case's own rows only: owner, team, area, group, mailbox, agents with their teams and directory grants
  // (which decide with the team who may see the case and which posts) are configuration, held in memory.
  const post = await tx.post.findUniqueOrThrow({
    where: { id: postId },
    include: {
      attachments: { select: { id: true, size: true, filename: true, originalFilename: true }, orderBy: { id: "asc" } },
      case: {
        include: {
          contacts: { include: { contact: true } },
          followers: true,
          inbound: { where: { status: "PROCESSED" }, orderBy: { id: "asc" }, select: { id: true, messageId: true, post: { select: { authorContactId: true } } } },
        },
      },
    },
  });
  const c = post.case;
  // The author and the post's own message are almost always among what the case load brought (its contacts,
  // its processed messages): read them separately only when not (two statements less per notification).
  const authorContact =
    post.authorContactId === null
      ? null
      : (c.contacts.find((cc) => cc.contactId === post.authorContactId)?.contact ?? (await tx.contact.findUnique({ where: { id: post.authorContactId } })));
  const postMessageId =
    post.inboundId === null
      ? null
      : (c.inbound.find((m) => m.id === post.inboundId)?.messageId ??
        (await tx.inboundMessage.findUnique({ where: { id: post.inboundId }, select: { messageId: true } }))?.messageId ??
        null);
  const wanted = [c.ownerId, post.authorAgentId, ...c.followers.map((f) => f.agentId)].filter((id): id is number => id !== null);
  let config = preloaded ?? (await deps.config.get());
  const knows = (cfg: ConfigSnapshot) =>
    wanted.every((id) => cfg.agents.has(id)) && cfg.areasById.has(c.areaId) && (c.teamId === null || cfg.teams.has(c.teamId)) && (c.mailboxId === null || cfg.mailboxes.has(c.mailboxId));
  // An id the snapshot does not know was configured a moment ago: read the configuration now, through this
  // transaction's own connection.
  if (!knows(config)) config = await loadConfigSnapshot(tx);
  const mailbox = (c.mailboxId === null ? undefined : config.mailboxes.get(c.mailboxId)) ?? [...config.mailboxes.values()][0];
  if (!mailbox) throw new Error("no mailbox is configured");
  const settings = config.settings;
  const team = c.teamId === null ? null : (config.teams.get(c.teamId) ?? null);
  const area = config.areasById.get(c.areaId);
  if (!area) throw new Error(`area #${c.areaId} does not exist`);
  const owner = c.ownerId === null ? null : (config.agents.get(c.ownerId) ?? null);
  const authorAgent = post.authorAgentId === null ? null : (config.agents.get(post.authorAgentId) ?? null);
  const agents = config.agents;
  const contacts = new Map<number, PlanContact & { email: string; name: string | null; locale: string }>(
    c.contacts.map(({ contact }) => [
      contact.id,
      { id: contact.id, portalUser: contact.portalUser, bouncing: contact.bouncing, notify: notifyPreference(contact.notifyPreference), email: contact.email, name: contact.name, locale: contact.locale },
    ]),
  );
  // Automatic mail never opens a case (ingest quarantines it), so an opening post is always human mail.
  const automatic = false;
  const plan = planNotifications({
    event,
    caseAccess: caseAccessOf({ ...c, area }),
    post: { ...post, authorDirectoryId: authorContact?.directoryId ?? null },
    followerAgentIds: c.followers.flatMap((f) => (f.agentId === null ? [] : [f.agentId])),
    followerContactIds: c.followers.flatMap((f) => (f.contactId === null ? [] : [f.contactId])),
    teamMemberIds: team?.memberIds ?? [],
    teamFollowsCases: team?.followsCases ?? true,
    agents,
    contacts,
    automatic,
    caseInternal: c.internal,
    acknowledge: c.acknowledge,
  });

  const tagPrefix = settings.caseTagPrefix;
  const threadIds = c.inbound.length ? [c.inbound[0]!.messageId] : [];
  const lastCustomerId = [...c.inbound].reverse().find((m) => m.post?.authorContactId != null)?.messageId ?? null;
  const authorName = authorAgent?.name ?? authorContact?.name ?? authorContact?.email ?? "Mailcase";
  const fmt = (d: Date | null) => (d ? d.toISOString().replace("T", " ").slice(0, 16) + " UTC" : "none");
  const baseView = {
    tag: caseTag(tagPrefix, caseNo(c.number)),
    caseRef: formatCaseNumber(settings.caseNumberFormat, { prefix: tagPrefix, number: caseNo(c.number), createdAt: c.createdAt }),
    subject: c.subject,
    supportName: mailbox.displayName,
    body: post.body,
    authorName,
    internal: post.visibility !== "PUBLIC",
    fromName: authorContact?.name || authorContact?.email || authorName,
    fromAddress: authorContact?.email ?? authorAgent?.email ?? "",
    groupName: (c.groupId === null ? undefined : config.groupNames.get(c.groupId)) ?? "(none)",
    areaName: config.areasById.get(c.areaId)?.name ?? "",
    ownerName: owner?.name ?? "(unassigned)",
    teamName: team?.name ?? "(none)",
    priority: c.priority,
    firstResponseDue: fmt(c.firstResponseDueAt),
    resolutionDue: fmt(c.resolutionDueAt),
  };

  // Agents see every custom field; a contact only customer-visible ones (custom-fields.ts visibleFields).
  const catalogue = config.catalogue;
  const storedValues = storedFields(c.customFields);
  const product = c.productId === null ? null : (catalogue.products.find((p) => p.id === c.productId) ?? null);
  const fieldsFor = (audience: "agent" | "customer", locale: string) => [...productField(product, locale), ...visibleFields(catalogue.fields, storedValues, audience, locale)];

  const drafts: OutboundDraft[] = [];
  const suppressed: string[] = [];
  // The customer's files for agents reading the notice in a mail client (small ones attached, others linked).
  const files = post.authorContactId !== null && post.attachments.length ? post.attachments : [];
  const maxBytes = files.length ? readAutomation((await tx.settings.findUnique({ where: { id: 1 }, select: { automation: true } }))?.automation).noticeAttachmentMaxBytes : 0;
  const { attach, link } = noticeAttachments(files, maxBytes);
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
      agentName: authorAgent?.name ?? mailbox.displayName,
      arrivalOnly: r.view === "arrival-only",
      forAgent: r.to === "agent",
      fields: fieldsFor(r.to === "agent" ? "agent" : "customer", recipient.locale),
      body: r.view === "arrival-only" ? "" : post.body,
      // Portal followers (the only contacts who get updates) can open the case in the portal. Agents get no
      // link: the portal is the customers' view, and agents work the case from this mail.

      // Knowledge base articles in the acknowledgement, where the mailbox asks for them (else no query at all).
      articles:
        r.kind === "ACK" && mailbox.ackArticles > 0
          ? await ackArticles(deps.db, { count: mailbox.ackArticles, locale: recipient.locale, subject: c.subject, description: c.description, publicUrl: deps.publicUrl, now: deps.clock.now() })
          : [],
      caseUrl: r.to === "contact" && r.kind === "UPDATE" && deps.portalUrl ? portalCaseUrl(deps.portalUrl, caseNo(c.number), recipient.address) : "",
    };
    let rendered = deps.templates.render(recipient.locale, TEMPLATE[r.kind], view);
    const withFiles = r.to === "agent" && r.view === "full" && (r.kind === "NEW_CASE" || r.kind === "UPDATE");
    if (withFiles && link.length) rendered = withFileLinks(deps, rendered, recipient.locale, link);
    drafts.push({
      attachmentIds: withFiles ? attach.map((f) => f.id) : [],
      kind: r.kind,
      caseId: c.id,
      postId: post.id,
      recipientKey: recipient.key,
      to: { address: recipient.address, agentId: r.to === "agent" ? r.agentId : null, contactId: r.to === "contact" ? r.contactId : null },
      from: { address: mailbox.address, name: r.kind === "REPLY" && authorAgent ? `${authorAgent.name} via ${mailbox.displayName}` : mailbox.displayName },
      // Agents answer through a signed address bound to case, agent and the post's visibility.
      replyTo:
        r.to === "agent"
          ? replyAddress(mailbox.address, signReplyToken(deps.secret, { caseId: c.id, agentId: r.agentId, visibility: post.visibility === "PUBLIC" ? "public" : "internal" }))
          : mailbox.address,
      rendered: { ...rendered, subject: r.kind === "NEW_CASE" ? rendered.subject : taggedSubject(tagPrefix, caseNo(c.number), rendered.subject) },
      threadIds,
      parentId: r.kind === "REPLY" ? lastCustomerId : (postMessageId ?? lastCustomerId),
      threadReplies: true,
    });
  }
  const events: CaseEvent[] = [];
  if (suppressed.length) events.push({ type: "notifications.suppressed", data: { postId, reason: "automatic-mail cap per address", recipients: suppressed } });
  const { written, pending } = await writeOutbound(tx, drafts);
  if (drafts.length) {
    events.push({ type: "notifications.planned", data: { postId, recipients: plan.map((p) => `${p.kind}:${p.to}:${p.to === "agent" ? p.agentId : p.contactId}:${p.reason}`) } });
  }
  await recordEvents(tx, c.id, events);
  return { written, pending };
}

function resolveRecipient(
  r: PlannedRecipient,
  agents: ReadonlyMap<number, { email: string; name: string; locale: string }>,
  contacts: ReadonlyMap<number, { email: string; name: string | null; locale: string }>,
): { address: string; name: string; locale: string; key: string } | null {
  if (r.to === "agent") {
    const a = agents.get(r.agentId);
    return a ? { address: a.email, name: a.name, locale: a.locale, key: `a${r.agentId}` } : null;
  }
  const c = contacts.get(r.contactId);
  return c ? { address: c.email, name: c.name || c.email, locale: c.locale, key: `c${r.contactId}` } : null;
}

/** How long the download link of a large attachment in an agent's notice works. */
export const ATTACHMENT_LINK_TTL_MS = 30 * 86_400_000;

const LINKED_FILES: Record<string, string> = {
  en: "Attachments too large to include (download links, valid 30 days):",
  cs: "Přílohy příliš velké pro přiložení (odkazy ke stažení, platné 30 dní):",
  pl: "Załączniki zbyt duże, by je dołączyć (linki do pobrania, ważne 30 dni):",
  zh: "附件过大，未随邮件附上（下载链接，30 天内有效）：",
};

/**
 * Lists the linked files below the rendered notice, each with a signed download link that works without a
 * portal account (src/web/signed-links.routes.ts). Without MAILCASE_PUBLIC_URL there is nowhere to link to:
 * the files are named, so the agent knows they exist.
 */
function withFileLinks(deps: Deps, rendered: Rendered, locale: string, files: ReadonlyArray<{ id: number; size: number; filename: string | null; originalFilename: string | null }>): Rendered {
  const label = LINKED_FILES[deps.templates.resolveLocale(locale)] ?? LINKED_FILES.en!;
  const expires = Math.floor((deps.clock.now().getTime() + ATTACHMENT_LINK_TTL_MS) / 1000);
  const items = files.map((f) => {
    const name = f.originalFilename ?? f.filename ?? `attachment-${f.id}`;
    const url = deps.publicUrl ? attachmentUrl(deps.publicUrl, signAttachment(deps.secret, { attachmentId: f.id, expires })) : null;
    return { name, size: `${(f.size / 1_048_576).toFixed(1)} MiB`, url };
  });
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return {
    subject: rendered.subject,
    text: `${rendered.text.trimEnd()}\n\n${label}\n${items.map((i) => `- ${i.name} (${i.size})${i.url ? `: ${i.url}` : ""}`).join("\n")}\n`,
    html: `${rendered.html}\n<p>${esc(label)}</p><ul>${items.map((i) => `<li>${i.url ? `<a href="${esc(i.url)}">${esc(i.name)}</a>` : esc(i.name)} (${i.size})</li>`).join("")}</ul>`,
  };
}

/**
 * Plans the emails one post causes (pure plan), renders them and writes one outbox row per recipient;
 * sending happens afterwards, per row, on the send queue. Two statements per post: one load
 * (notify-load.ts) and one atomic write of guard, rows and events (outbox.ts writeNotified).
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
import { writeNotified, writeOutbound, type OutboundDraft } from "../../case/outbox.ts";
import type { DbOrTx } from "../../db/client.ts";
import { loadNotifyInput, type NotifyLoad } from "./notify-load.ts";
import { enqueueSend, enqueueSendEach } from "../send/send.job.ts";
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
  const config = await deps.config.get();
  const now = deps.clock.now();
  // Two statements and no transaction (notifyLoad, then writeNotified): the load reads without a lock, and the
  // write is one statement whose notifiedAt guard decides under the post's row lock whether anything is written.
  // A notifier that loses the race (or runs after a commit it did not see) planned for nothing and writes nothing.
  const load = await loadNotifyInput(deps.db, postId, capSince(now));
  if (!load) return { kind: "missing" };
  let planned: { kind: "planned"; count: number; pending: Array<{ id: number; kind: OutboundKind }> } | null = null;
  if (!load.post.notified) {
    const { drafts, events } = await planMails(deps, deps.db, load, event, config);
    const written = await writeNotified(deps.db, { postId, at: now }, load.case.id, drafts, events);
    if (written.claimed) {
      // Every draft new (the usual case): the rows just written are the pending ones. Some existed already
      // (written by another path under the same dedupe key): ask which of the post's rows still wait.
      const pending = written.created.length === drafts.length ? written.created : await pendingOf(deps, postId);
      planned = { kind: "planned", count: written.created.length, pending };
    }
  }
  // Planned now: the rows this statement wrote are the ones to send. Planned before (a retry after the commit):
  // whatever of this post is still waiting.
  const pending = planned ? planned.pending : await pendingOf(deps, postId);
  // Acknowledgements, new-case notices and agents' answers to customers go at once; updates go at once too
  // unless the recipient heard about the case within the coalescing window, then they wait it (leading edge).
  await enqueueSend(deps.queues.send, pending.filter((p) => p.kind !== "UPDATE").map((p) => p.id));
  const updates = pending.filter((p) => p.kind === "UPDATE");
  if (updates.length) {
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
    // Each update its own job: its sender takes whatever else waits for that case and address (claimUpdates).
    await enqueueSendEach(deps.queues.send, leading);
    await enqueueSend(deps.queues.send, trailing, deps.coalesceMs);
  }
  return planned ? { kind: "planned", outbound: planned.count } : { kind: "already-planned", pending: pending.length };
}

const pendingOf = (deps: Deps, postId: number) => deps.db.outboundMail.findMany({ where: { postId, status: "PENDING" }, select: { id: true, kind: true }, orderBy: { id: "asc" } });

/** The start of the hour the automatic-mail cap counts (notification-plan.ts withinAutoMailCap). */
const capSince = (now: Date) => new Date(now.getTime() - 3_600_000);

/**
 * Plans and writes the post's mails inside the caller's transaction, without the notifiedAt guard (replay
 * sets it itself); returns how many rows are new and the post's rows still to be sent.
 */
export async function planAndWrite(
  deps: Deps,
  tx: Prisma.TransactionClient,
  postId: number,
  event: "case-opened" | "post-added",
  preloaded?: ConfigSnapshot,
): Promise<{ written: number; pending: Array<{ id: number; kind: OutboundKind }> }> {
  const load = await loadNotifyInput(tx, postId, capSince(deps.clock.now()));
  if (!load) throw new Error(`post #${postId} does not exist`);
  const { drafts, events } = await planMails(deps, tx, load, event, preloaded ?? (await deps.config.get()));
  const written = await writeOutbound(tx, drafts);
  await recordEvents(tx, load.case.id, events);
  return written;
}

/** The post's mails as outbox drafts, and the case events that record the plan. */
async function planMails(
  deps: Deps,
  db: DbOrTx,
  load: NotifyLoad,
  event: "case-opened" | "post-added",
  preloaded: ConfigSnapshot,
): Promise<{ drafts: OutboundDraft[]; events: CaseEvent[] }> {
  const { post, case: c } = load;
  const postId = post.id;
  const authorContact = load.author;
  const postMessageId = load.postMessageId;
  const wanted = [c.ownerId, post.authorAgentId, ...load.followers.map((f) => f.agentId)].filter((id): id is number => id !== null);
  let config = preloaded;
  const knows = (cfg: ConfigSnapshot) =>
    wanted.every((id) => cfg.agents.has(id)) && cfg.areasById.has(c.areaId) && (c.teamId === null || cfg.teams.has(c.teamId)) && (c.mailboxId === null || cfg.mailboxes.has(c.mailboxId));
  // An id the snapshot does not know was configured a moment ago: read the configuration now (in replay,
  // through the caller's transaction).
  if (!knows(config)) config = await loadConfigSnapshot(db);
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
    load.contacts.map(({ contact }) => [
      contact.id,
      { id: contact.id, portalUser: contact.portalUser, bouncing: contact.bouncing, notify: notifyPreference(contact.notifyPreference), email: contact.email, name: contact.name, locale: contact.locale },
    ]),
  );
  // Automatic mail never opens a case (ingest quarantines it), so an opening post is always human mail.
  const automatic = false;
  const plan = planNotifications({
    event,
    caseAccess: caseAccessOf({ ...c, contacts: load.contacts, area }),
    post: { ...post, authorDirectoryId: authorContact?.directoryId ?? null },
    followerAgentIds: load.followers.flatMap((f) => (f.agentId === null ? [] : [f.agentId])),
    followerContactIds: load.followers.flatMap((f) => (f.contactId === null ? [] : [f.contactId])),
    teamMemberIds: team?.memberIds ?? [],
    teamFollowsCases: team?.followsCases ?? true,
    agents,
    contacts,
    automatic,
    caseInternal: c.internal,
    acknowledge: c.acknowledge,
  });

  const tagPrefix = settings.caseTagPrefix;
  const threadIds = load.threadRootId === null ? [] : [load.threadRootId];
  const lastCustomerId = load.lastCustomerId;
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
  const files = post.authorContactId !== null && load.attachments.length ? load.attachments : [];
  const maxBytes = files.length ? readAutomation(load.automation).noticeAttachmentMaxBytes : 0;
  const { attach, link } = noticeAttachments(files, maxBytes);
  const recent = new Map(load.contacts.map((cc) => [cc.contact.id, { ACK: cc.recentAcks, UPDATE: cc.recentUpdates }]));
  for (const r of plan) {
    const recipient = resolveRecipient(r, agents, contacts);
    if (!recipient) continue;
    if (r.to === "contact" && (r.kind === "ACK" || r.kind === "UPDATE")) {
      // Counted by the load: ACKs to the address on any case, updates of this case (as before, per kind).
      if (!withinAutoMailCap(r.kind, recent.get(r.contactId)?.[r.kind] ?? 0)) {
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
  if (drafts.length) {
    events.push({ type: "notifications.planned", data: { postId, recipients: plan.map((p) => `${p.kind}:${p.to}:${p.to === "agent" ? p.agentId : p.contactId}:${p.reason}`) } });
  }
  return { drafts, events };
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

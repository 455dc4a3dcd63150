/**
 * Read models for the CLI: a case with routing, SLA, followers and stream. Queries only; what an agent
 * may see is decided by case/access.ts when a viewer is given (`--as`). Without one the view is the
 * operator's: everything.
 */
import type { Db } from "../db/client.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { agentViewerFor } from "../case/acting-agent.ts";
import { canSeeCase, canSeeCaseContact, caseAccessOf, mayAccessDirectory, postView, type AgentViewer } from "../case/access.ts";
import { loadCatalogue } from "../case/case-fields-store.ts";
import { storedFields, visibleFields } from "../case/custom-fields.ts";
import { caseNo } from "../case/case-number.ts";

/** The viewer for `--as <agentKey>`; null when no agent has that key. */
export async function agentViewerByKey(db: Db, key: string): Promise<AgentViewer | null> {
  const agent = await db.agent.findUnique({ where: { key }, include: { teams: true } });
  if (!agent) return null;
  return agentViewerOf(db, agent.id, agent.teams.map((t) => t.teamId));
}

async function agentViewerOf(db: Db, agentId: number, teamIds: number[]): Promise<AgentViewer> {
  const grants = await db.directoryAccess.findMany({
    where: { OR: [{ agentId }, { teamId: { in: teamIds } }] },
    select: { directoryId: true, agentId: true, teamId: true },
  });
  return agentViewerFor(db, agentId, teamIds, grants);
}

const LIST_BATCH = 200;

export async function listCases(db: Db, limit = 50, viewer?: AgentViewer) {
  const include = {
    owner: true,
    team: true,
    group: true,
    area: true,
    contacts: { include: { contact: true }, where: { role: "REQUESTER" as const } },
    _count: { select: { posts: true } },
  };
  type Row = Prisma.CaseGetPayload<{ include: typeof include }>;
  let rows: Row[];
  if (!viewer) rows = await db.case.findMany({ orderBy: { number: "desc" }, take: limit, include });
  else {
    // The decision is the pure rule, not a query, so page backwards until `limit` visible cases are found.
    rows = [];
    let before: number | undefined;
    for (;;) {
      const batch: Row[] = await db.case.findMany({
        where: before === undefined ? {} : { number: { lt: before } },
        orderBy: { number: "desc" },
        take: LIST_BATCH,
        include,
      });
      for (const c of batch) if (rows.length < limit && canSeeCase(viewer, caseAccessOf(c))) rows.push(c);
      if (rows.length >= limit || batch.length < LIST_BATCH) break;
      before = caseNo(batch[batch.length - 1]!.number);
    }
  }
  return rows.map((c) => ({
    number: caseNo(c.number),
    subject: c.subject,
    status: c.status,
    priority: c.priority,
    requester: c.contacts[0]?.contact.email ?? null,
    group: c.group?.key ?? null,
    owner: c.owner?.key ?? null,
    team: c.team?.key ?? null,
    posts: c._count.posts,
    firstResponseDueAt: c.firstResponseDueAt?.toISOString() ?? null,
    createdAt: c.createdAt.toISOString(),
  }));
}

/**
 * One case. With a viewer: a case the agent may not see is null, exactly like a missing one (its existence
 * does not leak); CC contacts of directories the agent may not see are listed without their address, posts
 * the agent may not see are left out (private ones show only their arrival), and the event log — operator
 * diagnostics full of addresses — is left out.
 */
export async function showCase(db: Db, number: number, viewer?: AgentViewer) {
  const c = await db.case.findUnique({
    where: { number },
    include: {
      owner: true,
      team: true,
      group: true,
      area: true,
      account: true,
      slaContract: true,
      product: true,
      contacts: { include: { contact: true } },
      followers: { include: { agent: true, contact: true } },
      posts: { orderBy: { id: "asc" }, include: { authorAgent: true, authorContact: true } },
      outbound: { orderBy: { id: "asc" } },
      events: { orderBy: { id: "asc" } },
      approvals: { where: { status: "PENDING" }, orderBy: { id: "asc" } },
      satisfaction: true,
    },
  });
  if (!c) return null;
  const access = caseAccessOf(c);
  if (viewer && !canSeeCase(viewer, access)) return null;
  const settings = await db.settings.findUnique({ where: { id: 1 } });
  const contactShown = (directoryId: number | null) => !viewer || canSeeCaseContact(viewer, access, directoryId);
  const posts = c.posts.flatMap((p) => {
    const view = viewer ? postView(viewer, access, { ...p, authorDirectoryId: p.authorContact?.directoryId ?? null }) : "full";
    return view === "none" ? [] : [{ p, arrivalOnly: view === "arrival-only" }];
  });
  const shownPostIds = new Set(posts.map(({ p }) => p.id));
  const recipientDirectory = new Map(c.contacts.map((cc) => [cc.contact.id, cc.contact.directoryId]));
  const missingRecipients = c.outbound.flatMap((o) => (o.recipientContactId !== null && !recipientDirectory.has(o.recipientContactId) ? [o.recipientContactId] : []));
  if (viewer && missingRecipients.length)
    for (const r of await db.contact.findMany({ where: { id: { in: missingRecipients } }, select: { id: true, directoryId: true } })) recipientDirectory.set(r.id, r.directoryId);
  const mail = c.outbound.filter((o) => o.postId === null || shownPostIds.has(o.postId));
  // Routing may give the case to an owner who may not see the requester's directory (groups grant none):
  // they see it as its owner only, which the operator should know.
  const explain = [...((c.routing as { explain?: string[] }).explain ?? [])];
  if (c.owner && access.requesterDirectoryId != null) {
    const owner = await agentViewerOf(db, c.owner.id, (await db.teamMember.findMany({ where: { agentId: c.owner.id } })).map((t) => t.teamId));
    if (!mayAccessDirectory(owner, access.requesterDirectoryId)) {
      const dir = await db.directory.findUnique({ where: { id: access.requesterDirectoryId } });
      explain.push(`owner "${c.owner.key}" has no access to the requester's directory "${dir?.key ?? access.requesterDirectoryId}": sees this case only as its owner`);
    }
  }
  return {
    number: caseNo(c.number),
    tag: `${settings?.caseTagPrefix ?? "MC"}-${c.number}`,
    subject: c.subject,
    description: c.description,
    status: c.status,
    priority: c.priority,
    type: c.type,
    origin: c.origin,
    account: c.account?.name ?? null,
    product: c.product ? { code: c.product.code, name: c.product.name, active: c.product.active } : null,
    /** Every custom field with a value (agents see agent-only fields too), in the configuration's order. */
    fields: visibleFields((await loadCatalogue(db)).fields, storedFields(c.customFields), "agent"),
    contacts: c.contacts.map((cc) =>
      contactShown(cc.contact.directoryId)
        ? { email: cc.contact.email as string | null, role: cc.role, portal: cc.contact.portalUser, hidden: false, phone: cc.contact.phone }
        : { email: null, role: cc.role, portal: false, hidden: true, phone: null },
    ),
    routing: {
      area: c.area.key,
      group: c.group?.key ?? null,
      owner: c.owner ? `${c.owner.key} <${c.owner.email}>` : null,
      team: c.team?.key ?? null,
      explain,
    },
    sla: {
      contract: c.slaContract?.key ?? null,
      firstResponseDueAt: c.firstResponseDueAt?.toISOString() ?? null,
      resolutionDueAt: c.resolutionDueAt?.toISOString() ?? null,
      firstRespondedAt: c.firstRespondedAt?.toISOString() ?? null,
    },
    /** Pending approval requests: what is held, by which rule, and who is awaited (agent keys). */
    approvals: await Promise.all(
      c.approvals.map(async (a) => ({
        request: a.id,
        rule: a.ruleKey,
        fields: a.fields,
        mode: a.mode,
        approvers: (await db.agent.findMany({ where: { id: { in: a.approverIds } }, select: { key: true } })).map((x) => x.key),
        timeoutAt: a.timeoutAt?.toISOString() ?? null,
      })),
    ),
    /** The customer's rating from the resolution mail's links, once per case; null until they rate. */
    satisfaction: c.satisfaction ? { rating: c.satisfaction.rating, comment: c.satisfaction.comment, ratedAt: c.satisfaction.createdAt.toISOString() } : null,
    followers: c.followers.map((f) => ({
      who: f.agent ? `agent:${f.agent.key}` : f.contact && contactShown(f.contact.directoryId) ? `contact:${f.contact.email}` : "contact:(hidden)",
      reason: f.reason,
    })),
    stream: posts.map(({ p, arrivalOnly }) => ({
      id: p.id,
      at: p.createdAt.toISOString(),
      visibility: p.visibility,
      source: p.source,
      author: p.authorAgent ? `agent:${p.authorAgent.key}` : p.authorContact ? `contact:${p.authorContact.email}` : "system",
      rule: p.threadRule,
      arrivalOnly,
      body: arrivalOnly ? "" : p.body,
    })),
    mail: mail.map((o) => ({
      kind: o.kind,
      to: o.recipientContactId !== null && !contactShown(recipientDirectory.get(o.recipientContactId) ?? null) ? "(hidden)" : o.toAddress,
      status: o.status,
      subject: o.subject,
      messageId: o.messageId,
    })),
    events: viewer ? [] : c.events.map((e) => ({ at: e.createdAt.toISOString(), type: e.type, data: e.data })),
  };
}

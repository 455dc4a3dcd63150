/**
 * Read models for the CLI: a case with routing, SLA, followers and stream. Queries only; what an agent
 * may see is decided by stream/visibility.ts when a viewer is given.
 */
import type { Db } from "../db/client.ts";

export async function listCases(db: Db, limit = 50) {
  const rows = await db.case.findMany({
    orderBy: { number: "desc" },
    take: limit,
    include: { owner: true, team: true, group: true, contacts: { include: { contact: true }, where: { role: "REQUESTER" } }, _count: { select: { posts: true } } },
  });
  return rows.map((c) => ({
    number: c.number,
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

export async function showCase(db: Db, number: number) {
  const c = await db.case.findUnique({
    where: { number },
    include: {
      owner: true,
      team: true,
      group: true,
      area: true,
      account: true,
      slaContract: true,
      contacts: { include: { contact: true } },
      followers: { include: { agent: true, contact: true } },
      posts: { orderBy: { id: "asc" }, include: { authorAgent: true, authorContact: true } },
      outbound: { orderBy: { id: "asc" } },
      events: { orderBy: { id: "asc" } },
    },
  });
  if (!c) return null;
  const settings = await db.settings.findUnique({ where: { id: 1 } });
  return {
    number: c.number,
    tag: `${settings?.caseTagPrefix ?? "MC"}-${c.number}`,
    subject: c.subject,
    description: c.description,
    status: c.status,
    priority: c.priority,
    type: c.type,
    origin: c.origin,
    account: c.account?.name ?? null,
    contacts: c.contacts.map((cc) => ({ email: cc.contact.email, role: cc.role, portal: cc.contact.portalUser })),
    routing: {
      area: c.area.key,
      group: c.group?.key ?? null,
      owner: c.owner ? `${c.owner.key} <${c.owner.email}>` : null,
      team: c.team?.key ?? null,
      explain: (c.routing as { explain?: string[] }).explain ?? [],
    },
    sla: {
      contract: c.slaContract?.key ?? null,
      firstResponseDueAt: c.firstResponseDueAt?.toISOString() ?? null,
      resolutionDueAt: c.resolutionDueAt?.toISOString() ?? null,
      firstRespondedAt: c.firstRespondedAt?.toISOString() ?? null,
    },
    followers: c.followers.map((f) => ({ who: f.agent ? `agent:${f.agent.key}` : `contact:${f.contact?.email}`, reason: f.reason })),
    stream: c.posts.map((p) => ({
      id: p.id,
      at: p.createdAt.toISOString(),
      visibility: p.visibility,
      source: p.source,
      author: p.authorAgent ? `agent:${p.authorAgent.key}` : p.authorContact ? `contact:${p.authorContact.email}` : "system",
      rule: p.threadRule,
      body: p.body,
    })),
    mail: c.outbound.map((o) => ({ kind: o.kind, to: o.toAddress, status: o.status, subject: o.subject, messageId: o.messageId })),
    events: c.events.map((e) => ({ at: e.createdAt.toISOString(), type: e.type, data: e.data })),
  };
}

/**
 * GET /cases/:number: a case as the acting agent may see it (same rules as `mailcase case N --as`): not found
 * when they may not see it, CC contacts of closed directories without their address, posts they may not see
 * left out, private posts as their arrival only.
 */
import type { Db } from "../db/client.ts";
import { canSeeCase, canSeeCaseContact, caseAccessOf, postView } from "../case/access.ts";
import type { ActingAgent } from "../case/acting-agent.ts";
import { notFound, type OpResult } from "../case/ops/common.ts";
import { loadCatalogue } from "../case/case-fields-store.ts";
import { storedFields } from "../case/custom-fields.ts";
import { caseNo } from "../case/case-number.ts";

export async function getCase(db: Db, agent: ActingAgent, number: number): Promise<OpResult<{ case: object }>> {
  const c = await db.case.findUnique({
    where: { number },
    include: {
      owner: true,
      team: true,
      group: true,
      area: true,
      slaContract: true,
      product: true,
      contacts: { include: { contact: true } },
      followers: { include: { agent: true } },
      posts: { orderBy: { id: "asc" }, include: { authorAgent: true, authorContact: true, attachments: { orderBy: { id: "asc" } } } },
      satisfaction: true,
    },
  });
  if (!c) return notFound(`case ${number}`, "number");
  const access = caseAccessOf(c);
  if (!canSeeCase(agent, access)) return notFound(`case ${number}`, "number");
  // Values as stored (typed), only of fields still declared: a field removed from the configuration is not shown.
  const values = storedFields(c.customFields);
  const fields = Object.fromEntries((await loadCatalogue(db)).fields.flatMap((d) => (values[d.key] === undefined ? [] : [[d.key, values[d.key]]])));
  return {
    ok: true,
    case: {
      number: caseNo(c.number),
      subject: c.subject,
      description: c.description,
      status: c.status,
      priority: c.priority,
      severity: c.severity,
      type: c.type,
      origin: c.origin,
      owner: c.owner?.key ?? null,
      team: c.team?.key ?? null,
      group: c.group?.key ?? null,
      mergedInto: c.mergedIntoId,
      product: c.product?.code ?? null,
      fields,
      routing: (c.routing as { explain?: string[] }).explain ?? [],
      sla: { level: c.slaContract?.key ?? null, firstResponseDueAt: c.firstResponseDueAt, resolutionDueAt: c.resolutionDueAt, firstRespondedAt: c.firstRespondedAt },
      contacts: c.contacts.map((cc) => {
        const shown = canSeeCaseContact(agent, access, cc.contact.directoryId);
        return { role: cc.role, email: shown ? cc.contact.email : null, phone: shown ? cc.contact.phone : null };
      }),
      followers: c.followers.flatMap((f) => (f.agent ? [f.agent.key] : [])),
      satisfaction: c.satisfaction ? { rating: c.satisfaction.rating, comment: c.satisfaction.comment, ratedAt: c.satisfaction.createdAt } : null,
      stream: c.posts.flatMap((p) => {
        const view = postView(agent, access, { ...p, authorDirectoryId: p.authorContact?.directoryId ?? null });
        if (view === "none") return [];
        return [
          {
            id: p.id,
            at: p.createdAt,
            visibility: p.visibility,
            author: p.authorAgent?.key ?? (p.authorContact ? "contact" : "system"),
            body: view === "full" ? p.body : null,
            // A post's files are as visible as its text.
            attachments: view === "full" ? p.attachments.map((a) => ({ id: a.id, filename: a.filename, contentType: a.contentType, size: a.size, sha256: a.sha256 })) : [],
          },
        ];
      }),
    },
  };
}

/**
 * Links between cases, and cloning. A parent link makes a case a sub-case or follow-up of another (the same
 * link a customer's reply to a closed case creates: Case.parentCaseId, through `changeCase` so it is
 * audited); a related link marks two cases as about the same thing (CaseRelation, stored once per pair).
 * A clone is a new case with the original's fields, contacts and description, related to the original,
 * without its stream: nobody is mailed, and the clone starts its own SLA clock.
 */
import { actorOf, type ActingAgent } from "../acting-agent.ts";
import { changeCase } from "../case-change.ts";
import { recordEvents } from "../case-events.ts";
import { recomputeSlaDue } from "../../sla/sla.service.ts";
import { inOperation, OpRefused, refused, requireCase, type OpResult, type OpsDeps, type Tx } from "./common.ts";
import type { CloneInput, LinkInput } from "./schemas.ts";
import { caseNo } from "../case-number.ts";

export interface LinkedCase {
  caseId: number;
  number: number;
  toCaseId: number;
  toNumber: number;
  changed: boolean;
}

export async function linkCases(deps: OpsDeps, agent: ActingAgent, input: LinkInput): Promise<OpResult<LinkedCase>> {
  const now = deps.clock.now();
  const by = actorOf(agent);
  return inOperation(deps, async (tx): Promise<OpResult<LinkedCase>> => {
    if (input.case === input.to) return refused("a case cannot be linked to itself", "to");
    const c = await requireCase(tx, agent, input.case);
    const to = await requireCase(tx, agent, input.to, "to");
    const base = { caseId: c.id, number: caseNo(c.number), toCaseId: to.id, toNumber: caseNo(to.number) };
    if (input.kind === "parent") {
      if (!input.remove && (await isAncestor(tx, c.id, to.id))) return refused(`case ${to.number} is already below case ${c.number}: the link would make a cycle`, "to");
      if (input.remove && c.parentCaseId !== to.id) return { ok: true, ...base, changed: false };
      const change = await changeCase(tx, c.id, { parentCaseId: input.remove ? null : to.id }, { by, now });
      if (!change.ok) throw new OpRefused(refused(change.reason, "to"));
      const changed = change.changed.length > 0;
      if (changed && !input.remove) await recordEvents(tx, to.id, [{ type: "case.linked", data: { caseId: c.id, number: caseNo(c.number), reason: "sub-case", by } }]);
      return { ok: true, ...base, changed };
    }
    const [lo, hi] = c.id < to.id ? [c, to] : [to, c];
    const changed = input.remove
      ? (await tx.caseRelation.deleteMany({ where: { caseId: lo.id, relatedId: hi.id } })).count > 0
      : (await tx.caseRelation.createMany({ data: [{ caseId: lo.id, relatedId: hi.id }], skipDuplicates: true })).count > 0;
    if (changed) {
      const related = !input.remove;
      await recordEvents(tx, c.id, [{ type: "case.related", data: { caseId: to.id, number: caseNo(to.number), related, by } }]);
      await recordEvents(tx, to.id, [{ type: "case.related", data: { caseId: c.id, number: caseNo(c.number), related, by } }]);
    }
    return { ok: true, ...base, changed };
  });
}

/** Whether linking `caseId` under `newParentId` makes a cycle: `caseId` is that parent or one of its ancestors. */
async function isAncestor(tx: Tx, caseId: number, newParentId: number): Promise<boolean> {
  let id: number | null = newParentId;
  for (let i = 0; id !== null && i < 100; i++) {
    if (id === caseId) return true;
    const row: { parentCaseId: number | null } | null = await tx.case.findUnique({ where: { id }, select: { parentCaseId: true } });
    id = row?.parentCaseId ?? null;
  }
  return false;
}

export interface ClonedCase {
  caseId: number;
  number: number;
  fromCaseId: number;
  fromNumber: number;
}

export async function cloneCase(deps: OpsDeps, agent: ActingAgent, input: CloneInput): Promise<OpResult<ClonedCase>> {
  const now = deps.clock.now();
  const by = actorOf(agent);
  return inOperation(
    deps,
    async (tx): Promise<OpResult<ClonedCase>> => {
      const o = await requireCase(tx, agent, input.case);
      const clone = await tx.case.create({
        data: {
          subject: o.subject,
          description: o.description,
          // A clone is new work: it starts as the original would have (owned or not), never resolved.
          status: o.ownerId !== null ? "ASSIGNED" : "NEW",
          priority: o.priority,
          type: o.type,
          severity: o.severity,
          reason: o.reason,
          origin: o.origin,
          internal: o.internal,
          mailboxId: o.mailboxId,
          accountId: o.accountId,
          groupId: o.groupId,
          areaId: o.areaId,
          ownerId: o.ownerId,
          teamId: o.teamId,
          slaContractId: o.slaContractId,
          acknowledge: false,
          routing: { explain: [`cloned by ${agent.key} from case ${o.number}`], threading: "clone" },
          createdAt: now,
        },
      });
      await tx.caseContact.createMany({ data: o.contacts.map((cc) => ({ caseId: clone.id, contactId: cc.contactId, role: cc.role })), skipDuplicates: true });
      if (o.ownerId !== null) await tx.follower.createMany({ data: [{ caseId: clone.id, agentId: o.ownerId, reason: "owner" }], skipDuplicates: true });
      const [lo, hi] = o.id < clone.id ? [o.id, clone.id] : [clone.id, o.id];
      await tx.caseRelation.createMany({ data: [{ caseId: lo, relatedId: hi }], skipDuplicates: true });
      const due = await recomputeSlaDue(tx, clone.id, now, null);
      await recordEvents(tx, clone.id, [
        {
          type: "case.created",
          data: {
            inboundId: null,
            forwardedBy: null,
            routing: [`cloned from case ${o.number}`],
            sla: due ? { firstResponseDueAt: due.firstResponseDueAt?.toISOString() ?? null, resolutionDueAt: due.resolutionDueAt?.toISOString() ?? null } : null,
            threading: "clone",
            by,
            clonedFrom: o.id,
          },
        },
      ]);
      await recordEvents(tx, o.id, [{ type: "case.linked", data: { caseId: clone.id, number: caseNo(clone.number), reason: "clone", by } }]);
      return { ok: true, caseId: clone.id, number: caseNo(clone.number), fromCaseId: o.id, fromNumber: caseNo(o.number) };
    },
    async (r) => deps.effects.sla([r.caseId]),
  );
}

/**
 * Changing a case's fields as an agent (`mailcase case set|assign|close`, the API's PATCH): the same path as
 * the mail commands (`changeCase`: status rules with the solution required to resolve or close, SLA level
 * and due times, one audit event per field), so no channel can do what another may not.
 * Following is the agent's own: follow and unfollow change only the acting agent's subscription.
 */
import { actorOf, type ActingAgent } from "../acting-agent.ts";
import { type CasePatch } from "../case-change.ts";
import { changeCaseAsAgent } from "../../approval/approval.service.ts";
import { recordEvents } from "../case-events.ts";
import { writePost } from "../posts.ts";
import { inOperation, OpRefused, refused, requireAgent, requireCase, type OpResult, type OpsDeps } from "./common.ts";
import type { ChangeInput, FollowInput } from "./schemas.ts";
import { fieldsPatch, loadCatalogue } from "../case-fields-store.ts";
import { caseNo } from "../case-number.ts";

export interface ChangedCase {
  caseId: number;
  number: number;
  /** The fields that changed; empty when the case already was as asked (a repeat is a no-op). */
  changed: string[];
  /** Fields held for approval instead of changed (src/approval): they change when the approvers agree. */
  held: { requestId: number; rule: string; fields: string[] } | null;
  /** The internal note written with the change (`note`), if one was given. */
  notePostId: number | null;
}

/** Which input field a refusal of changeCase is about, for problem details. */
function fieldOf(reason: string): string {
  if (reason.includes("internal note")) return "note";
  if (reason.includes("solution")) return "solution";
  if (reason.includes("SLA level")) return "sla";
  if (reason.includes("parent")) return "to";
  return "status";
}

export async function changeCaseFields(deps: OpsDeps, agent: ActingAgent, input: ChangeInput): Promise<OpResult<ChangedCase>> {
  const now = deps.clock.now();
  const by = actorOf(agent);
  const result = await inOperation(
    deps,
    async (tx): Promise<OpResult<ChangedCase & { outbound: number[] }>> => {
      const c = await requireCase(tx, agent, input.case);
      const patch: CasePatch = {};
      // A status the case already has is not a change (changeCase would refuse it as a transition): asking
      // twice for "closed" is a repeat, not an error.
      if (input.status !== undefined && input.status !== c.status) patch.status = input.status;
      if (input.solution !== undefined) patch.solution = input.solution;
      if (input.priority !== undefined) patch.priority = input.priority;
      if (input.severity !== undefined) patch.severity = input.severity;
      if (input.type !== undefined) patch.type = input.type;
      if (input.reason !== undefined) patch.reason = input.reason;
      if (input.portal !== undefined) patch.internal = !input.portal;
      if (input.owner !== undefined) patch.ownerId = (await requireAgent(tx, input.owner, "owner")).id;
      if (input.team !== undefined) {
        if (input.team === null) patch.teamId = null;
        else {
          const team = await tx.team.findUnique({ where: { key: input.team } });
          if (!team) return refused(`no team "${input.team}"`, "team");
          patch.teamId = team.id;
        }
      }
      if (input.fields !== undefined || input.product !== undefined) {
        const custom = fieldsPatch(await loadCatalogue(tx), input, { creating: false });
        if (!custom.ok) return refused(custom.reason, custom.field);
        Object.assign(patch, custom.patch);
      }
      if (c.mergedIntoId !== null && Object.keys(patch).length > 0) return refused("the case was merged into another case; change that one", "case");
      const noted = input.note !== undefined;
      const change = await changeCaseAsAgent(tx, deps.mail, c.id, patch, { agentId: agent.agentId, by, now, internalNote: noted });
      // The flow's explanation speaks of mail (#internal); here the note is the `note` input.
      if (!change.ok) throw new OpRefused(refused(change.reason.replace(/: write it in the same reply, starting with #internal$/, ": give it as the change's note"), fieldOf(change.reason)));
      let held = change.held;
      const outbound = [...change.outbound];
      if (input.sla !== undefined) {
        const level = await changeCaseAsAgent(tx, deps.mail, c.id, { slaContract: input.sla }, { agentId: agent.agentId, by, now });
        if (!level.ok) throw new OpRefused(refused(level.reason, "sla"));
        change.changed.push(...level.changed);
        held ??= level.held;
        outbound.push(...level.outbound);
      }
      // Whoever is given a case follows it, as routing makes the owner a follower of a new case.
      if (patch.ownerId !== undefined) await tx.follower.createMany({ data: [{ caseId: c.id, agentId: patch.ownerId, reason: "owner" }], skipDuplicates: true });
      // The note is an internal post like a #internal mail reply: agents see it, the customer never does.
      const note = input.note === undefined ? null : await writePost(tx, { caseId: c.id, visibility: "INTERNAL", source: "AGENT_DESK", author: { agentId: agent.agentId }, subject: c.subject, body: input.note, threadRule: "agent-desk", attachments: [] });
      if (note) await recordEvents(tx, c.id, [{ type: "post.added", data: { postId: note.id, by, visibility: "INTERNAL", rule: "agent-desk" } }]);
      return { ok: true, caseId: c.id, number: caseNo(c.number), changed: change.changed, held, notePostId: note?.id ?? null, outbound };
    },
    async (r) => {
      if (r.changed.length) await deps.effects.sla([r.caseId]);
      if (r.notePostId !== null) await deps.effects.notify([{ postId: r.notePostId, event: "post-added" }]);
      if (r.outbound.length) await deps.effects.send(r.outbound);
    },
  );
  if (!result.ok) return result;
  // The outbox ids are this process's business, not the caller's.
  const { outbound: _sent, ...changed } = result;
  return changed;
}

export interface FollowedCase {
  caseId: number;
  number: number;
  following: boolean;
  /** False when the agent already followed (or did not follow) the case. */
  changed: boolean;
}

export async function followCase(deps: OpsDeps, agent: ActingAgent, input: FollowInput): Promise<OpResult<FollowedCase>> {
  const by = actorOf(agent);
  return inOperation(deps, async (tx): Promise<OpResult<FollowedCase>> => {
    const c = await requireCase(tx, agent, input.case);
    const n = input.follow
      ? (await tx.follower.createMany({ data: [{ caseId: c.id, agentId: agent.agentId, reason: "follow" }], skipDuplicates: true })).count
      : (await tx.follower.deleteMany({ where: { caseId: c.id, agentId: agent.agentId } })).count;
    if (n > 0) await recordEvents(tx, c.id, [{ type: "follower.changed", data: { agentId: agent.agentId, following: input.follow, by } }]);
    return { ok: true, caseId: c.id, number: caseNo(c.number), following: input.follow, changed: n > 0 };
  });
}

/**
 * Merging case A into case B (the customer opened the same problem twice). In one transaction:
 * - A's posts (with their files) move to B, and with them A's inbound messages;
 * - A's message references (the threading index of every Message-ID inbound and outbound) move to B, so
 *   a reply to any mail of A's thread threads onto B; A's case tag and the reply tokens minted for A
 *   resolve to B through `mergedIntoId` (`survivorCaseId`, used by ingest);
 * - A's contacts are added to B (as CC; B keeps its requester) and A's followers move to B: one Contact and
 *   one Agent row per address, so nobody on both cases is mailed twice about B later;
 * - A is closed with a solution naming B and `mergedIntoId` set; both get an audit event.
 * The merge mails nobody: it writes no post. A keeps its contacts (its access rules stay as they were:
 * without its requester A would fall into the open directory) and its history of sent mail.
 *
 * Idempotent: merging A into B again returns the first merge's survivor and changes nothing.
 */
import { actorOf, type ActingAgent } from "../acting-agent.ts";
import { changeCase } from "../case-change.ts";
import { recordEvents } from "../case-events.ts";
import { recomputeSlaDue } from "../../sla/sla.service.ts";
import type { DbOrTx } from "../../db/client.ts";
import { inOperation, OpRefused, refused, requireCase, type OpResult, type OpsDeps } from "./common.ts";
import type { MergeInput } from "./schemas.ts";
import { caseNo } from "../case-number.ts";

/** A chain of merges is short; the bound only stops a corrupted cycle from looping forever. */
const MAX_MERGE_CHAIN = 50;

/** The case a (possibly merged) case's mail belongs to now: itself, or the end of its merge chain. */
export async function survivorCaseId(db: DbOrTx, caseId: number): Promise<number> {
  let id = caseId;
  for (let i = 0; i < MAX_MERGE_CHAIN; i++) {
    const c = await db.case.findUnique({ where: { id }, select: { mergedIntoId: true } });
    if (!c || c.mergedIntoId === null) return id;
    id = c.mergedIntoId;
  }
  return id;
}

export interface MergedCase {
  caseId: number;
  number: number;
  intoCaseId: number;
  intoNumber: number;
  posts: number;
  messageRefs: number;
  /** True when A had already been merged into B: nothing was changed. */
  already: boolean;
}

export async function mergeCases(deps: OpsDeps, agent: ActingAgent, input: MergeInput): Promise<OpResult<MergedCase>> {
  const now = deps.clock.now();
  const by = actorOf(agent);
  return inOperation(
    deps,
    async (tx): Promise<OpResult<MergedCase>> => {
      if (input.case === input.into) return refused("a case cannot be merged into itself", "into");
      // Lock both rows in one order (lower number first) so two merges of the same pair cannot deadlock.
      const [first, second] = input.case < input.into ? (["case", "into"] as const) : (["into", "case"] as const);
      const locked = { [first]: await requireCase(tx, agent, input[first], first), [second]: await requireCase(tx, agent, input[second], second) };
      const a = locked.case!;
      const b = locked.into!;
      const base = { caseId: a.id, number: caseNo(a.number), intoCaseId: b.id, intoNumber: caseNo(b.number) };
      if (a.mergedIntoId === b.id) return { ok: true, ...base, posts: 0, messageRefs: 0, already: true };
      if (a.mergedIntoId !== null) return refused(`case ${a.number} was already merged into another case`, "case");
      if (b.mergedIntoId !== null) return refused(`case ${b.number} was merged into another case; merge into that one`, "into");
      if (b.status === "CLOSED") return refused(`case ${b.number} is closed, which is final`, "into");
      if (a.status === "CLOSED") return refused(`case ${a.number} is closed, which is final`, "case");

      const posts = (await tx.post.updateMany({ where: { caseId: a.id }, data: { caseId: b.id } })).count;
      await tx.inboundMessage.updateMany({ where: { caseId: a.id }, data: { caseId: b.id } });
      const messageRefs = (await tx.messageRef.updateMany({ where: { caseId: a.id }, data: { caseId: b.id } })).count;
      const contacts = (
        await tx.caseContact.createMany({ data: a.contacts.map((cc) => ({ caseId: b.id, contactId: cc.contactId, role: "CC" as const })), skipDuplicates: true })
      ).count;
      const followersOfA = await tx.follower.findMany({ where: { caseId: a.id } });
      const followers = (
        await tx.follower.createMany({
          data: followersOfA.map((f) => ({ caseId: b.id, agentId: f.agentId, contactId: f.contactId, reason: `merged from case ${a.number}: ${f.reason}` })),
          skipDuplicates: true,
        })
      ).count;
      await tx.follower.deleteMany({ where: { caseId: a.id } });

      const closed = await changeCase(tx, a.id, { status: "CLOSED", solution: `Merged into case ${b.number}.` }, { by, now });
      if (!closed.ok) throw new OpRefused(refused(closed.reason, "case"));
      await tx.case.update({ where: { id: a.id }, data: { mergedIntoId: b.id } });
      const counts = { by, posts, messageRefs, contacts, followers };
      await recordEvents(tx, a.id, [{ type: "case.merged", data: { into: b.id, number: caseNo(b.number), ...counts } }]);
      await recordEvents(tx, b.id, [{ type: "case.merged-from", data: { from: a.id, number: caseNo(a.number), ...counts } }]);
      // A customer post of A still unanswered now waits on B: B's next response is due accordingly.
      await recomputeSlaDue(tx, b.id, now, by);
      return { ok: true, ...base, posts, messageRefs, already: false };
    },
    async (r) => {
      if (!r.already) await deps.effects.sla([r.caseId, r.intoCaseId]);
    },
  );
}

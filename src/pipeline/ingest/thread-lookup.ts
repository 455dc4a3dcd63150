/**
 * What threading needs to know about a customer's message, read in ONE statement: the cases of the Message-IDs
 * it answers, the case its subject tag names followed through merges to the survivor (as `survivorCaseId`
 * does, at most MAX_MERGE_CHAIN hops), whether the sender takes part in that case, and the status of every
 * candidate case (so the case threading picks needs no second read). The decision itself stays pure
 * (threading/resolve-thread.ts).
 */
import type { CaseStatus } from "../../kernel/domain-types.ts";
import type { Tx } from "./ingest-io.ts";

/** As in case/ops/merge-case.ts: a longer chain is a loop or a corruption, not a conversation. */
export const MAX_MERGE_CHAIN = 50;

export interface ThreadFacts {
  /** Case of each known Message-ID. */
  caseOfMessage: ReadonlyMap<string, number>;
  /** The survivor of the case the subject tag names, and whether the sender takes part in it; null: none. */
  subjectTag: { caseId: number; senderTakesPart: boolean } | null;
  /** Status of the candidate cases (referenced ones and the tagged survivor). */
  statusOf: ReadonlyMap<number, CaseStatus>;
}

interface Row {
  refs: Array<{ messageId: string; caseId: number }>;
  chain: Array<{ id: number; merged: number | null; depth: number }>;
  cases: Array<{ id: number; status: CaseStatus; accountId: number | null; takesPart: boolean }>;
}

export async function lookUpThread(
  tx: Tx,
  q: { messageIds: readonly string[]; tagNumber: number | null; contact: { id: number; accountId: number | null } },
): Promise<ThreadFacts> {
  // A message that answers nothing and names no case (most new cases) needs no read at all.
  if (q.messageIds.length === 0 && q.tagNumber === null) return { caseOfMessage: new Map(), subjectTag: null, statusOf: new Map() };
  const rows = await tx.$queryRaw<Row[]>`
    WITH RECURSIVE chain AS (
      SELECT c.id, c."mergedIntoId" AS merged, 0 AS depth FROM "Case" c WHERE c.number = ${q.tagNumber}::bigint
      UNION ALL
      SELECT c.id, c."mergedIntoId", chain.depth + 1 FROM chain JOIN "Case" c ON c.id = chain.merged WHERE chain.depth < ${MAX_MERGE_CHAIN}
    ),
    refs AS (SELECT "messageId", "caseId" FROM "MessageRef" WHERE "messageId" = ANY(${[...q.messageIds]}::text[]))
    SELECT
      (SELECT coalesce(json_agg(json_build_object('messageId', "messageId", 'caseId', "caseId")), '[]'::json) FROM refs) AS refs,
      (SELECT coalesce(json_agg(json_build_object('id', id, 'merged', merged, 'depth', depth) ORDER BY depth), '[]'::json) FROM chain) AS chain,
      (SELECT coalesce(json_agg(json_build_object(
                'id', c.id, 'status', c.status, 'accountId', c."accountId",
                'takesPart', EXISTS (SELECT 1 FROM "CaseContact" cc WHERE cc."caseId" = c.id AND cc."contactId" = ${q.contact.id}::int))), '[]'::json)
         FROM "Case" c WHERE c.id IN (SELECT "caseId" FROM refs UNION SELECT id FROM chain)) AS cases`;
  const row = rows[0] ?? { refs: [], chain: [], cases: [] };
  const subjectTag = tagSurvivor(row.chain, row.cases, q.contact);
  return {
    caseOfMessage: new Map(row.refs.map((r) => [r.messageId, r.caseId])),
    subjectTag,
    statusOf: new Map(row.cases.map((c) => [c.id, c.status])),
  };
}

/**
 * The case a subject tag leads to: the end of the merge chain (depth 0 is the tagged case), as
 * `survivorCaseId` + `findUnique` decide it. A chain pointing at a missing case names no case. Pure.
 */
export function tagSurvivor(
  chain: ReadonlyArray<{ id: number; merged: number | null; depth: number }>,
  cases: ReadonlyArray<{ id: number; accountId: number | null; takesPart: boolean }>,
  contact: { accountId: number | null },
): ThreadFacts["subjectTag"] {
  const last = chain.at(-1);
  if (!last || (last.merged !== null && last.depth < MAX_MERGE_CHAIN)) return null;
  const tagged = cases.find((c) => c.id === last.id);
  if (!tagged) return null;
  return { caseId: tagged.id, senderTakesPart: tagged.takesPart || (contact.accountId !== null && tagged.accountId === contact.accountId) };
}

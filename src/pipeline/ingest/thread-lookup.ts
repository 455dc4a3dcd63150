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
const MAX_MERGE_CHAIN = 50;

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
  const cases = new Map(row.cases.map((c) => [c.id, c]));
  let subjectTag: ThreadFacts["subjectTag"] = null;
  const last = row.chain.at(-1);
  // The survivor is the end of the chain; a chain that points at a missing case names no case (as survivorCaseId + findUnique).
  if (last && (last.merged === null || last.depth >= MAX_MERGE_CHAIN)) {
    const tagged = cases.get(last.id);
    if (tagged) {
      const takesPart = tagged.takesPart || (q.contact.accountId !== null && tagged.accountId === q.contact.accountId);
      subjectTag = { caseId: tagged.id, senderTakesPart: takesPart };
    }
  }
  return {
    caseOfMessage: new Map(row.refs.map((r) => [r.messageId, r.caseId])),
    subjectTag,
    statusOf: new Map(row.cases.map((c) => [c.id, c.status])),
  };
}

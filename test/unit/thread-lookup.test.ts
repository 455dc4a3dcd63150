import { describe, expect, it } from "vitest";
import { MAX_MERGE_CHAIN, tagSurvivor } from "../../src/pipeline/ingest/thread-lookup.ts";

const contact = { accountId: 7 };
const caseRow = (id: number, over: Partial<{ accountId: number | null; takesPart: boolean }> = {}) => ({ id, accountId: null, takesPart: false, ...over });

describe("tagSurvivor: the case a subject tag leads to, through merges", () => {
  const longChain = Array.from({ length: MAX_MERGE_CHAIN + 1 }, (_, d) => ({ id: 100 + d, merged: 101 + d, depth: d }));
  it.each([
    { name: "no tagged case", chain: [], cases: [], want: null },
    { name: "an unmerged case, sender on it", chain: [{ id: 1, merged: null, depth: 0 }], cases: [caseRow(1, { takesPart: true })], want: { caseId: 1, senderTakesPart: true } },
    { name: "an unmerged case of the sender's account", chain: [{ id: 1, merged: null, depth: 0 }], cases: [caseRow(1, { accountId: 7 })], want: { caseId: 1, senderTakesPart: true } },
    { name: "a stranger's tag", chain: [{ id: 1, merged: null, depth: 0 }], cases: [caseRow(1, { accountId: 8 })], want: { caseId: 1, senderTakesPart: false } },
    {
      name: "merged twice: the survivor, judged by its own contacts",
      chain: [{ id: 1, merged: 2, depth: 0 }, { id: 2, merged: 3, depth: 1 }, { id: 3, merged: null, depth: 2 }],
      cases: [caseRow(1, { takesPart: true }), caseRow(2), caseRow(3)],
      want: { caseId: 3, senderTakesPart: false },
    },
    { name: "merged into a case that is gone", chain: [{ id: 1, merged: 2, depth: 0 }], cases: [caseRow(1, { takesPart: true })], want: null },
    { name: "a chain at the hop limit stops there", chain: longChain.slice(0, MAX_MERGE_CHAIN + 1), cases: [caseRow(100 + MAX_MERGE_CHAIN)], want: { caseId: 100 + MAX_MERGE_CHAIN, senderTakesPart: false } },
  ])("$name", ({ chain, cases, want }) => {
    expect(tagSurvivor(chain, cases, contact)).toEqual(want);
  });
});

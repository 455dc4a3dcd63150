/**
 * The automatic-mail classifier against the corpus's own expectations (sisimai's go tests for bounces,
 * every other set for human mail). Targets: ≥ 98 % of sisimai bounces recognised, ≥ 98 % with the right
 * failed recipient, and no human message classified as automatic.
 */
import { describe, expect, it } from "vitest";
import { CORPUS_DIR, corpusPresent } from "../support/corpus.ts";
import { measureCorpus } from "../support/corpus-measure.ts";

describe.skipIf(!corpusPresent)(`classifier on the corpus (needs ${CORPUS_DIR})`, () => {
  it("recognises bounces with their failed recipient and never mistakes a person for a machine", async () => {
    const m = await measureCorpus();
    const pct = (a: number, b: number) => (100 * a) / b;
    console.log(
      `sisimai: bounces recognised ${m.sisimai.bounceRecognised}/${m.sisimai.bounces} (${pct(m.sisimai.bounceRecognised, m.sisimai.bounces).toFixed(1)}%), ` +
        `recipient right ${m.sisimai.recipientRight}/${m.sisimai.bounces} (${pct(m.sisimai.recipientRight, m.sisimai.bounces).toFixed(1)}%), ` +
        `kind right ${m.sisimai.kindRight}/${m.sisimai.total}; human classified automatic ${m.human.automatic.length}/${m.human.total}`,
    );
    expect(m.sisimai.bounces).toBeGreaterThan(400);
    expect(pct(m.sisimai.bounceRecognised, m.sisimai.bounces)).toBeGreaterThanOrEqual(98);
    expect(pct(m.sisimai.recipientRight, m.sisimai.bounces)).toBeGreaterThanOrEqual(98);
    expect(m.human.total).toBeGreaterThan(60);
    expect(m.human.automatic).toEqual([]);
  });
});

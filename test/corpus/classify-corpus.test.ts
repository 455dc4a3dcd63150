/**
 * The automatic-mail classifier against the corpus's own expectations (sisimai's for bounces, every other
 * set's tests for the rest), measured by test/support/corpus-measure.ts, the code tools/corpus-report.ts
 * prints from. Targets: ≥ 98 % of sisimai bounces recognised, ≥ 98 % with the right failed recipients, and
 * no person's mail classified as automatic in any set.
 */
import { describe, expect, it } from "vitest";
import { CORPUS_DIR, corpusPresent } from "../support/corpus.ts";
import { formatClassifySummary, runClassification, summariseClassification } from "../support/corpus-measure.ts";

describe.skipIf(!corpusPresent)(`classifier on the corpus (needs ${CORPUS_DIR})`, () => {
  it("recognises bounces with their failed recipients and never mistakes a person for a machine", async () => {
    const summaries = summariseClassification(await runClassification());
    for (const s of summaries) console.log(formatClassifySummary(s));
    const sis = summaries.find((s) => s.set === "sisimai-bounces");
    expect(sis?.bounces).toBeGreaterThan(400);
    expect((100 * sis!.bounceRecognised) / sis!.bounces).toBeGreaterThanOrEqual(98);
    expect((100 * sis!.bounceRight) / sis!.bounces).toBeGreaterThanOrEqual(98);
    expect(summaries.reduce((n, s) => n + s.humans, 0)).toBeGreaterThan(60);
    expect(summaries.map((s) => [s.set, s.humanAsAutomatic, s.crashes])).toEqual(summaries.map((s) => [s.set, 0, 0]));
  });
});

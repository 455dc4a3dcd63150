/**
 * Reply trimming against discourse/email_reply_trimmer's expected output (target ≥ 90 % exact matches,
 * comparison rule in test/support/trim-measure.ts).
 */
import { describe, expect, it } from "vitest";
import { CORPUS_DIR, corpusPresent } from "../support/corpus.ts";
import { measureTrimming } from "../support/trim-measure.ts";

describe.skipIf(!corpusPresent)(`reply trimming on the corpus (needs ${CORPUS_DIR})`, () => {
  it("keeps what the sender wrote and drops quoted history and signatures", async () => {
    const m = await measureTrimming();
    console.log(`discourse trimmed: ${m.matched}/${m.total} (${((100 * m.matched) / m.total).toFixed(1)}%); misses: ${m.misses.join(", ")}`);
    expect(m.total).toBeGreaterThan(40);
    expect((100 * m.matched) / m.total).toBeGreaterThanOrEqual(90);
  });
});

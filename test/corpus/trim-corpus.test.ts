/**
 * Reply trimming against the reply-parser projects' expected output, measured by test/support/trim-measure.ts
 * (the code tools/corpus-report.ts prints from; comparison rule there). Each suite has a floor at the figure
 * it reached when this test last moved, so a change that helps one suite and hurts another fails here.
 */
import { describe, expect, it } from "vitest";
import { CORPUS_DIR, corpusPresent } from "../support/corpus.ts";
import { formatTrimSummary, runTrimming, summariseTrimming, trimRobustness } from "../support/trim-measure.ts";

/** Minimum exact matches per suite (discourse's two misses are forwards, which we keep on purpose). */
const FLOORS: Record<string, number> = {
  "discourse-email_reply_trimmer": 46,
  "mailgun-talon": 12,
  "mailgun-talon (inline tests)": 43,
  "mailgun-talon (html, via parseMessage)": 11,
  "github-email_reply_parser": 9,
};

describe.skipIf(!corpusPresent)(`reply trimming on the corpus (needs ${CORPUS_DIR})`, () => {
  it("keeps what the sender wrote and drops quoted history and signatures", async () => {
    const summaries = summariseTrimming(await runTrimming());
    for (const s of summaries) console.log(formatTrimSummary(s));
    expect(summaries.map((s) => s.set).sort()).toEqual(Object.keys(FLOORS).sort());
    for (const s of summaries) expect({ set: s.set, atLeastFloor: s.matched >= FLOORS[s.set]!, crashes: s.crashes }).toEqual({ set: s.set, atLeastFloor: true, crashes: 0 });
    const discourse = summaries.find((s) => s.set === "discourse-email_reply_trimmer")!;
    expect((100 * discourse.matched) / discourse.total).toBeGreaterThanOrEqual(90);
  });

  it("never crashes on or empties a reply body", () => {
    const r = trimRobustness();
    expect(r.total).toBeGreaterThan(40);
    expect(r.crashes).toEqual([]);
    expect(r.emptied).toEqual([]);
  });
});

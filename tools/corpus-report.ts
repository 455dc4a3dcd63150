/**
 * Measures the automatic-mail classifier and the reply trimmer against the shared corpus of real
 * third-party mail (../shared/corpus, or MAILCASE_CORPUS) and lists every miss for a human to inspect.
 *
 *   npx tsx tools/corpus-report.ts            # figures per suite + misses
 *   npx tsx tools/corpus-report.ts --quiet    # figures only
 *
 * The measuring code lives in test/support (corpus-measure.ts, trim-measure.ts) and the corpus tests import
 * the very same functions, so the figures printed here are the figures the tests assert. The corpus is never
 * copied into the repository (licences vary).
 */
import { pathToFileURL } from "node:url";
import { CORPUS_DIR, corpusPresent } from "../test/support/corpus.ts";
import { classificationMisses, formatClassifySummary, runClassification, summariseClassification } from "../test/support/corpus-measure.ts";
import { formatTrimSummary, runOwnReplies, runTrimming, summariseTrimming, trimmingMisses, trimRobustness } from "../test/support/trim-measure.ts";

async function main(): Promise<void> {
  const quiet = process.argv.includes("--quiet");
  // Our own multilingual set needs no corpus: it is reported first, always.
  const own = await runOwnReplies();
  if (!corpusPresent) {
    console.log(`corpus absent at ${CORPUS_DIR} (set MAILCASE_CORPUS): only our own set is measured`);
    for (const s of summariseTrimming(own)) console.log(formatTrimSummary(s));
    return;
  }
  const classification = await runClassification();
  console.log("== Automatic-mail classification");
  for (const s of summariseClassification(classification)) console.log(formatClassifySummary(s));
  if (!quiet) for (const m of classificationMisses(classification)) console.log(`  miss ${m}`);

  const trimming = [...(await runTrimming()), ...own];
  console.log("\n== Reply trimming (comparison: line endings, trailing spaces and blank-line runs normalised)");
  for (const s of summariseTrimming(trimming)) console.log(formatTrimSummary(s));
  const robust = trimRobustness();
  console.log(`all reply bodies: ${robust.total} trimmed, crashes ${robust.crashes.length}, emptied ${robust.emptied.length}, slowest ${robust.slowestMs.toFixed(0)} ms`);
  if (!quiet) for (const m of [...trimmingMisses(trimming), ...robust.crashes, ...robust.emptied.map((e) => `${e}: emptied`)]) console.log(`  miss ${m}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();

/**
 * Classifier figures on the shared corpus (../shared/corpus or MAILCASE_CORPUS):
 *   npx tsx tools/corpus-report.ts [--misses]
 * sisimai: bounces recognised, failed-recipient count and status right; negatives and human sets: nothing
 * human classified as automatic.
 */
import { measureCorpus } from "../test/support/corpus-measure.ts";

const showMisses = process.argv.includes("--misses");
const m = await measureCorpus();
const pct = (a: number, b: number) => (b ? ((100 * a) / b).toFixed(1) : "n/a");
console.log(`sisimai: ${m.sisimai.total} expected messages; kind right ${m.sisimai.kindRight} (${pct(m.sisimai.kindRight, m.sisimai.total)}%), bounces recognised ${m.sisimai.bounceRecognised}/${m.sisimai.bounces} (${pct(m.sisimai.bounceRecognised, m.sisimai.bounces)}%), recipient right ${m.sisimai.recipientRight}/${m.sisimai.bounces} (${pct(m.sisimai.recipientRight, m.sisimai.bounces)}%), status equal ${m.sisimai.statusRight}/${m.sisimai.statusComparable} comparable`);
console.log(`human messages classified automatic: ${m.human.automatic.length} of ${m.human.total}`);
if (showMisses) {
  for (const x of m.sisimai.misses) console.log(`  miss ${x}`);
  for (const x of m.human.automatic) console.log(`  human→automatic ${x}`);
}

/**
 * Where a Mailcase process's CPU went, from a V8 CPU profile (`BENCH_CPU_PROF=<dir>` on the bench):
 * self time grouped by package (node_modules/<name>), our own code (src/<folder>), Node's internals, and V8's
 * own buckets (GC, program, idle), then the top functions by self time.
 *
 *   npx tsx bench/cpu-profile-summary.ts <file.cpuprofile> [top]
 */
import { readFileSync } from "node:fs";
import { z } from "zod";

const Profile = z.object({
  nodes: z.array(z.object({ id: z.number(), callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }) })),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

/** The bucket of a script URL: a package, a folder of ours, Node itself, or V8's own entries. */
export function bucketOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : `(native) ${functionName}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /\/(src|bench)\/([^/]+)/.exec(url);
  if (ours) return `ours: ${ours[1]}/${ours[2]!.replace(/\.ts$/, "")}`;
  if (url.startsWith("node:")) return "node internals";
  return url;
}

const file = process.argv[2];
if (!file) throw new Error("usage: cpu-profile-summary.ts <file.cpuprofile> [top]");
const top = Number(process.argv[3] ?? 15);
const p = Profile.parse(JSON.parse(readFileSync(file, "utf8")));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
const byBucket = new Map<string, number>();
const byFunction = new Map<string, number>();
let total = 0;
for (const [id, us] of selfUs) {
  const n = byId.get(id);
  if (!n) continue;
  total += us;
  const b = bucketOf(n.callFrame.url, n.callFrame.functionName);
  byBucket.set(b, (byBucket.get(b) ?? 0) + us);
  const f = `${n.callFrame.functionName || "(anonymous)"} ${b}:${n.callFrame.lineNumber + 1}`;
  byFunction.set(f, (byFunction.get(f) ?? 0) + us);
}
const busy = total - (byBucket.get("(idle)") ?? 0);
const show = (m: Map<string, number>) =>
  [...m].filter(([k]) => !k.startsWith("(idle)")).sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => `${(us / 1000).toFixed(0).padStart(8)} ms ${((us / busy) * 100).toFixed(1).padStart(5)}%  ${k}`);
console.log(`profile ${(total / 1e6).toFixed(1)} s, busy (not idle) ${(busy / 1000).toFixed(0)} ms\nself time by package:`);
console.log(show(byBucket).join("\n"));
console.log("top functions by self time:");
console.log(show(byFunction).join("\n"));

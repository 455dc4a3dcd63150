/**
 * What holds a V8 heap snapshot (written by the bench with BENCH_HEAP_SNAPSHOT=<dir>), without a browser:
 * self size summed by object type and constructor name, the largest single objects, and for each of those
 * the chain of first retainers up to a GC root, which usually names the module or cache that keeps it.
 *
 *   npx tsx bench/heap-summary.ts file.heapsnapshot [--top 25]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";

const Snapshot = z.object({
  snapshot: z.object({
    meta: z.object({
      node_fields: z.array(z.string()),
      node_types: z.tuple([z.array(z.string())]).rest(z.unknown()),
      edge_fields: z.array(z.string()),
      edge_types: z.tuple([z.array(z.string())]).rest(z.unknown()),
    }),
  }),
  nodes: z.array(z.number()),
  edges: z.array(z.number()),
  strings: z.array(z.string()),
});

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: "string", default: "25" } } });
const file = positionals[0];
if (!file) throw new Error("usage: heap-summary.ts file.heapsnapshot [--top N]");
const TOP = Number(values.top);
const snap = Snapshot.parse(JSON.parse(readFileSync(file, "utf8")));
const { meta } = snap.snapshot;
const NF = meta.node_fields.length;
const EF = meta.edge_fields.length;
const f = (name: string, fields: string[]): number => fields.indexOf(name);
const [T, N, SIZE, EC] = ["type", "name", "self_size", "edge_count"].map((k) => f(k, meta.node_fields)) as [number, number, number, number];
const [ET, EN, ETO] = ["type", "name_or_index", "to_node"].map((k) => f(k, meta.edge_fields)) as [number, number, number];
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
const { nodes, edges, strings } = snap;
const count = nodes.length / NF;

const typeOf = (i: number): string => nodeTypes[nodes[i * NF + T]!] ?? "?";
const nameOf = (i: number): string => strings[nodes[i * NF + N]!] ?? "?";
const sizeOf = (i: number): number => nodes[i * NF + SIZE]!;
const label = (i: number): string => {
  const t = typeOf(i);
  const n = nameOf(i);
  return t === "string" || t === "concatenated string" || t === "sliced string" ? `${t} "${n.slice(0, 40).replace(/\s+/g, " ")}"` : `${t} ${n.slice(0, 60)}`;
};

// First retainer of every node (the first edge found pointing at it, weak edges skipped): enough to name owners.
const retainer = new Int32Array(count).fill(-1);
const retainerEdge = new Array<string>(count);
let e = 0;
for (let i = 0; i < count; i++) {
  const ec = nodes[i * NF + EC]!;
  for (let k = 0; k < ec; k++, e++) {
    const type = edgeTypes[edges[e * EF + ET]!];
    if (type === "weak") continue;
    const to = edges[e * EF + ETO]! / NF;
    if (retainer[to] === -1 && to !== i) {
      retainer[to] = i;
      const n = edges[e * EF + EN]!;
      retainerEdge[to] = type === "element" || type === "hidden" ? `[${n}]` : String(strings[n] ?? n);
    }
  }
}

const byKind = new Map<string, { size: number; n: number }>();
let total = 0;
for (let i = 0; i < count; i++) {
  const t = typeOf(i);
  const key = t === "object" || t === "closure" || t === "native" || t === "code" ? `${t} ${nameOf(i).slice(0, 60)}` : t;
  const v = byKind.get(key) ?? { size: 0, n: 0 };
  v.size += sizeOf(i);
  v.n++;
  byKind.set(key, v);
  total += sizeOf(i);
}
const mb = (b: number): string => (b / 1e6).toFixed(1);
console.log(`${file}: ${count} nodes, ${mb(total)} MB self size`);
console.log(`\nby type / constructor (self size):`);
for (const [k, v] of [...byKind].sort((a, b) => b[1].size - a[1].size).slice(0, TOP)) console.log(`  ${mb(v.size).padStart(7)} MB  ${String(v.n).padStart(8)}  ${k}`);

console.log(`\nlargest objects and their first retainers:`);
const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => sizeOf(b) - sizeOf(a)).slice(0, TOP);
for (const i of order) {
  const chain: string[] = [];
  for (let j = i, hops = 0; retainer[j]! >= 0 && hops < 8; j = retainer[j]!, hops++) chain.push(`${retainerEdge[j]} ← ${label(retainer[j]!)}`);
  console.log(`  ${mb(sizeOf(i)).padStart(7)} MB  ${label(i)}\n           ${chain.join("\n           ")}`);
}

/**
 * One Mailcase process of the benchmark (forked by bench.ts with an IPC channel): the workers, and with the
 * argument `poller` the mailbox pollers too. It runs apart from the benchmark's client so that its CPU, memory
 * and SQL statements are Mailcase's alone.
 *
 * Every SQL statement the process sends is counted by wrapping pg's Client.query (Prisma's pg adapter goes
 * through it): PostgreSQL here has no pg_stat_statements, and a client-side count includes BEGIN and COMMIT.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { writeHeapSnapshot } from "node:v8";
import pg from "pg";
import { applyMemoryPolicy } from "../src/app/memory-policy.ts";
import { createRuntime, startPollers, startWorkers, type Handle } from "../src/app/runtime.ts";
import { loadEnv } from "../src/config/env.ts";

export type NodeRequest = { cmd: "stats" } | { cmd: "stop" } | { cmd: "snapshot"; label: string };
/** Peak of each process.memoryUsage() field (MB), sampled every 250 ms: says whether RSS is heap, buffers or native. */
export interface MemoryPeaks {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}
export type NodeReply = { ready: true } | { stats: { statements: number; heapMb: number; memory: MemoryPeaks } } | { stopped: true } | { snapshot: string | null };

const memory: MemoryPeaks = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
setInterval(() => {
  const now = process.memoryUsage();
  for (const k of Object.keys(memory) as (keyof MemoryPeaks)[]) memory[k] = Math.max(memory[k], Math.round(now[k] / 1e6));
}, 250).unref();

let statements = 0;
let dumps = 0;
/**
 * BENCH_SQL_PROFILE=1: statements counted by their text too, printed when the process stops; and written per
 * phase to BENCH_SQL_PROFILE_DIR (default /tmp) as sql-profile-<pid>-<n>.txt, n counting the dumps.
 */
const profile = process.env.BENCH_SQL_PROFILE ? new Map<string, number>() : null;
const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
const query = proto.query;
proto.query = function (this: unknown, ...args: unknown[]): unknown {
  statements++;
  if (profile) {
    const first = args[0];
    const text = typeof first === "string" ? first : ((first as { text?: string } | null)?.text ?? "?");
    const key = text.replace(/\s+/g, " ").replace(/"public"\./g, "").slice(0, 180);
    profile.set(key, (profile.get(key) ?? 0) + 1);
  }
  return query.apply(this, args);
};

const send = (reply: NodeReply): void => void process.send?.(reply);

async function main(): Promise<void> {
  const rt = createRuntime(loadEnv());
  // As `mailcase worker` and `mailcase poller` do (src/cli/cli-runtime.ts).
  applyMemoryPolicy(rt.env.MAILCASE_MEMORY_POLICY);
  const handles: Handle[] = [startWorkers(rt)];
  if (process.argv.includes("poller")) handles.push(await startPollers(rt));
  process.on("message", (request: NodeRequest) => {
    if (request.cmd === "stats") {
      // Per phase: the bench asks for stats before and after each phase, so each dump is one phase's statements.
      if (profile && profile.size) {
        dumps++;
        const lines = [...profile].sort((a, b) => b[1] - a[1]).map(([text, n]) => `${n}\t${text}`);
        writeFileSync(`${process.env.BENCH_SQL_PROFILE_DIR ?? "/tmp"}/sql-profile-${process.pid}-${dumps}.txt`, `${lines.join("\n")}\n`);
        profile.clear();
      }
      send({ stats: { statements, heapMb: Math.round(process.memoryUsage().heapUsed / 1e6), memory: { ...memory } } });
    } else if (request.cmd === "snapshot") {
      // BENCH_HEAP_SNAPSHOT=<dir>: a V8 heap snapshot on request (at rest, in the burst), to see what holds the heap.
      const dir = process.env.BENCH_HEAP_SNAPSHOT;
      send({ snapshot: dir ? writeHeapSnapshot(path.join(dir, `${request.label}-${process.pid}.heapsnapshot`)) : null });
    } else if (request.cmd === "stop") {
      void (async () => {
        for (const h of handles.reverse()) await h.close().catch(() => undefined);
        await rt.close().catch(() => undefined);
        if (profile) for (const [text, n] of [...profile].sort((a, b) => b[1] - a[1])) process.stderr.write(`sql ${n}\t${text}\n`);
        send({ stopped: true });
        process.exit(0);
      })();
    }
  });
  send({ ready: true });
}

main().catch((err: Error) => {
  console.error(`bench node failed: ${err.stack ?? err.message}`);
  process.exit(1);
});

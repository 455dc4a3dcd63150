/**
 * The memory policy of the long-running processes (poller, workers, web): two V8 settings, and one full
 * collection once they are set, that took a worker's peak RSS in the bench's 1000-message burst from 400–470 MB
 * to 253–259 MB at no CPU cost the bench could measure (figures in the README's Processes section).
 *
 * - **The heap grows by a quarter at most** between full collections. By default V8 lets the old generation grow
 *   to up to four times what survived the last full collection, and on a machine with gigabytes nothing else
 *   holds it back: a worker with about 70 MB of live heap reached 200–220 MB of heap, the rest garbage waiting
 *   for a full collection. The extra collections are short because what they collect is mostly garbage. With
 *   50 % the peak passed 300 MB in 2 of 13 bench runs; with 25 % and the collection below, 253–259 MB in 9 of 9.
 * - **WebAssembly runs on V8's baseline compiler (Liftoff) only.** Prisma's query compiler is a 3.4 MB wasm
 *   module; optimising its hot functions in the background (TurboFan tier-up) allocated 45–50 MB through malloc
 *   that glibc never gave back. Prisma caches the plans it compiles, so after the first few messages the
 *   compiler hardly runs and the slower baseline code costs nothing measurable.
 *
 * Both are V8 flags read when they apply (at each full collection, when a wasm module is compiled), so setting
 * them at run time works as long as it happens before the first query; the flags are global, so the parse worker
 * threads follow them too. They are set here rather than on the node command line so that every way of starting
 * Mailcase (Procfile, `npm start`, the bench) gets them. A flag given to node explicitly wins.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export type MemoryPolicy = "lean" | "v8";

const LEAN_FLAGS = ["--heap-growing-percent=25", "--liftoff-only"];

/** The flag's name without dashes, `no-` or value, `_` read as `-` (V8 accepts both). */
const flagName = (arg: string): string => (arg.replace(/^--(no-)?/, "").split("=")[0] ?? "").replaceAll("_", "-");

/** The flags `policy` sets in a process started with `execArgv`: `lean` the settings above, `v8` none. */
export function memoryPolicyFlags(policy: MemoryPolicy, execArgv: readonly string[]): string[] {
  if (policy !== "lean") return [];
  const given = new Set(execArgv.map(flagName));
  return LEAN_FLAGS.filter((flag) => !given.has(flagName(flag)));
}

/**
 * Applies the policy to this process; the bench measures the effect (README, Processes).
 *
 * Then one full collection, because the growing factor only applies from the next one on: a collection that
 * ran while the modules loaded (before this call) set the heap's next limit with V8's own factor, up to four
 * times the live heap of that moment. Seen in the bench: the start-up collection left 45 MB live, the next
 * one came only at 178 MB, in the middle of the burst, and the worker's peak RSS was 340 MB instead of 255.
 * The collection is reached through a fresh context's `gc` (exposed for contexts created while the flag is set);
 * the flag is cleared again at once, so neither this process's global object nor a later context or worker
 * thread (the parse pool) gets a `gc`.
 */
export function applyMemoryPolicy(policy: MemoryPolicy, execArgv: readonly string[] = process.execArgv): void {
  const flags = memoryPolicyFlags(policy, execArgv);
  if (flags.length === 0) return;
  for (const flag of flags) setFlagsFromString(flag);
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  setFlagsFromString("--no-expose-gc");
  gc();
}

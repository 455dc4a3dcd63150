import { describe, expect, it } from "vitest";
import { memoryPolicyFlags, type MemoryPolicy } from "../../src/app/memory-policy.ts";

// What the flags do to memory is measured by the bench (`npm run bench`, peak RSS per process), not here: V8's
// own growing factor depends on how fast its collections run, so a heap-size assertion would be flaky.
describe("memoryPolicyFlags: what the memory policy sets, and that flags given to node win", () => {
  it.each<{ name: string; policy: MemoryPolicy; execArgv: string[]; want: string[] }>([
    { name: "lean, nothing given", policy: "lean", execArgv: [], want: ["--heap-growing-percent=25", "--liftoff-only"] },
    { name: "v8 sets nothing", policy: "v8", execArgv: [], want: [] },
    { name: "a growing factor given to node", policy: "lean", execArgv: ["--heap-growing-percent=300"], want: ["--liftoff-only"] },
    { name: "given with underscores", policy: "lean", execArgv: ["--heap_growing_percent=20"], want: ["--liftoff-only"] },
    { name: "tier-up asked for explicitly", policy: "lean", execArgv: ["--no-liftoff-only"], want: ["--heap-growing-percent=25"] },
    { name: "unrelated flags", policy: "lean", execArgv: ["--enable-source-maps", "--cpu-prof"], want: ["--heap-growing-percent=25", "--liftoff-only"] },
  ])("$name", ({ policy, execArgv, want }) => {
    expect(memoryPolicyFlags(policy, execArgv)).toEqual(want);
  });
});

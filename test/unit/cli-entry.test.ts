import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { newestMtimeMs, pickEntry } from "../../bin/entry.mjs";

/** A checkout in a temp dir: files with given modification times (seconds since the epoch). */
function checkout(files: Record<string, number>): string {
  const root = mkdtempSync(path.join(tmpdir(), "mailcase-entry-"));
  for (const [rel, mtime] of Object.entries(files)) {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, "");
    utimesSync(file, mtime, mtime);
  }
  roots.push(root);
  return root;
}
const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe("pickEntry: the build runs only when it is current", () => {
  it.each<{ name: string; files: Record<string, number>; env: Record<string, string>; want: string }>([
    { name: "no build", files: { "src/cli/main.ts": 1000 }, env: {}, want: "source" },
    { name: "build newer than every source", files: { "src/cli/main.ts": 1000, "src/a/b/deep.ts": 1500, "build/cli/main.mjs": 2000 }, env: {}, want: "build" },
    { name: "build as new as the newest source", files: { "src/cli/main.ts": 2000, "build/cli/main.mjs": 2000 }, env: {}, want: "build" },
    { name: "a source edited after the build, deep in the tree", files: { "src/cli/main.ts": 1000, "src/a/b/deep.ts": 3000, "build/cli/main.mjs": 2000 }, env: {}, want: "source" },
    { name: "forced to sources", files: { "src/cli/main.ts": 1000, "build/cli/main.mjs": 2000 }, env: { MAILCASE_FROM_SOURCE: "1" }, want: "source" },
  ])("$name → $want", ({ files, env, want }) => {
    expect(pickEntry(checkout(files), env)).toBe(want);
  });

  it("takes the newest file of a tree, 0 for a missing one", () => {
    const root = checkout({ "src/x.ts": 1000, "src/y/z.ts": 4000, "src/y/w.ts": 2000 });
    expect(newestMtimeMs(path.join(root, "src"))).toBe(4_000_000);
    expect(newestMtimeMs(path.join(root, "missing"))).toBe(0);
  });
});

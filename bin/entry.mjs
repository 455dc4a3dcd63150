/**
 * Which code `bin/mailcase.mjs` runs: the precompiled build (scripts/build.mjs) when it exists and is not older
 * than any file under src/, else the TypeScript sources through tsx. A checkout being edited (or a test run
 * right after an edit) so always runs what the sources say; an installed copy (postinstall builds) runs the
 * build and never loads tsx. MAILCASE_FROM_SOURCE=1 forces the sources.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";

/** Newest modification time (ms) of any file under `dir`; 0 for a missing or empty directory. */
export function newestMtimeMs(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtimeMs(full));
    else if (e.isFile()) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/** "build" only for a build at least as new as the newest source file; "source" in every other case. */
export function pickEntry(root, env = process.env) {
  if (env.MAILCASE_FROM_SOURCE === "1") return "source";
  let built;
  try {
    built = statSync(path.join(root, "build", "cli", "main.mjs")).mtimeMs;
  } catch {
    return "source";
  }
  return built >= newestMtimeMs(path.join(root, "src")) ? "build" : "source";
}

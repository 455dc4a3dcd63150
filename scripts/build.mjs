/**
 * Precompiles the long-running processes (poller, worker, web: `bin/mailcase.mjs`) into plain ES modules, so a
 * production process does not load tsx's loader and transform every TypeScript file at start-up (about 100 MB
 * of RSS for the life of the process). Dependencies stay external (resolved from node_modules as usual).
 *
 *   node scripts/build.mjs            # npm run build; also run by postinstall after `prisma generate`
 *
 * Output sits at the same depth as the sources (build/cli/main.mjs for src/cli/main.ts) because a few modules
 * locate files relative to themselves (templates/ is "../../templates" from src/render). The parse worker is
 * prebuilt beside the entry (parse-budget.ts looks for ./parse-worker.mjs next to the running module).
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const BUILD_ENTRY = path.join(ROOT, "build", "cli", "main.mjs");

/** Bundles one TypeScript entry to `outFile`, written atomically (a process starting meanwhile sees old or new). */
async function bundle(entry, outFile) {
  const { build } = await import("esbuild");
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    write: false,
    logLevel: "warning",
  });
  const code = out.outputFiles[0]?.text;
  if (code === undefined) throw new Error(`esbuild produced no output for ${entry}`);
  mkdirSync(path.dirname(outFile), { recursive: true });
  const tmp = `${outFile}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, outFile);
}

/** Builds `entry` to `outFile` plus the parse worker beside it; the worker first, so an entry never runs without it. */
export async function buildProcess(entry, outFile) {
  await bundle(path.join(ROOT, "src", "parsing", "parse-worker.ts"), path.join(path.dirname(outFile), "parse-worker.mjs"));
  await bundle(entry, outFile);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  await buildProcess(path.join(ROOT, "src", "cli", "main.ts"), BUILD_ENTRY);
  console.log(`mailcase: built ${path.relative(process.cwd(), BUILD_ENTRY)} in ${Date.now() - t0} ms`);
}

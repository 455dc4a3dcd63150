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

/**
 * Bundles one TypeScript entry to `outFile`. With `split`, modules imported only dynamically (the web server in
 * runtime.ts) go to chunks beside it and are loaded, their dependencies included, only when imported: without
 * splitting, esbuild hoists every external import to the top of the one file. Chunks are named by content
 * hash and written before the entry, each atomically, so a process starting meanwhile finds old or new files
 * complete; old chunks are left in place for processes still running the old entry.
 */
async function bundle(entry, outFile, split) {
  const { build } = await import("esbuild");
  const outdir = path.dirname(outFile);
  const out = await build({
    entryPoints: { [path.basename(outFile, ".mjs")]: entry },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    splitting: split,
    outdir,
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunk-[hash]",
    write: false,
    logLevel: "warning",
  });
  if (!out.outputFiles.some((f) => f.path === outFile)) throw new Error(`esbuild produced no ${outFile}`);
  mkdirSync(outdir, { recursive: true });
  for (const f of [...out.outputFiles].sort((a, b) => Number(a.path === outFile) - Number(b.path === outFile))) {
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
}

/** Builds `entry` to `outFile` plus the parse worker beside it; the worker first, so an entry never runs without it. */
export async function buildProcess(entry, outFile) {
  await bundle(path.join(ROOT, "src", "parsing", "parse-worker.ts"), path.join(path.dirname(outFile), "parse-worker.mjs"), false);
  await bundle(entry, outFile, true);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  await buildProcess(path.join(ROOT, "src", "cli", "main.ts"), BUILD_ENTRY);
  console.log(`mailcase: built ${path.relative(process.cwd(), BUILD_ENTRY)} in ${Date.now() - t0} ms`);
}

/**
 * The worker and poller processes (src/app/runtime.ts) must not load the web stack or mailparser at start-up:
 * each costs tens of MB of RSS for the life of the process (issue 12). Walks the static import graph esbuild
 * sees (dynamic imports are where loading is deferred on purpose) and lists the packages it reaches.
 */
import path from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

async function staticPackages(entry: string): Promise<Set<string>> {
  const out = await build({ entryPoints: [path.join(ROOT, entry)], bundle: true, platform: "node", format: "esm", packages: "external", write: false, metafile: true, logLevel: "silent", outdir: "/nonexistent" });
  const inputs = out.metafile.inputs;
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of inputs[file]?.imports ?? []) {
      if (i.kind !== "import-statement") continue;
      if (i.external) packages.add(i.path);
      else visit(i.path);
    }
  };
  visit(entry);
  return packages;
}

describe("what a worker process loads at start-up", () => {
  it("reaches bullmq and Prisma statically, but not fastify, the portal's packages or mailparser", async () => {
    const packages = await staticPackages("src/app/runtime.ts");
    expect(packages).toContain("bullmq");
    expect(packages).toContain("@prisma/adapter-pg");
    for (const lazy of ["fastify", "@fastify/view", "@fastify/helmet", "prom-client", "mailparser"]) expect(packages).not.toContain(lazy);
  });
});

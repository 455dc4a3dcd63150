/**
 * The layering of src/, checked from the imports themselves (there is no lint step to do it):
 *
 * - Pure modules (decisions: threading, routing, SLA rules, classification, access, plans, the sender route,
 *   agent commands) import no database, queue, IMAP or SMTP code, not even its types: a decision that needs
 *   a row takes the data it needs, so it can be table-tested and reused by every channel.
 * - The top of the house is imported only from above: `app/` (process wiring) by the CLI that starts it,
 *   `cli/` by itself, `pipeline/` (the queue stages) by the stages, the wiring, the CLI, replay and the web
 *   process. The case write model, SLA, routing and everything below never reach up into them.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SRC = path.join(ROOT, "src");

/** Pure modules, by path below src/ (a folder ends with "/"). */
const PURE = [
  "threading/",
  "routing/",
  "parsing/automatic/",
  "sla/calendar.ts",
  "sla/calendar-schema.ts",
  "sla/sla-clock.ts",
  "sla/sla-status.ts",
  "case/status.ts",
  "case/status-flow.ts",
  "routing/assignment-rules.ts",
  "case/access.ts",
  "case/followers.ts",
  "case/compose.ts",
  "case/case-number.ts",
  "case/import/import-row.ts",
  "kernel/domain-types.ts",
  "config/agent-preferences.ts",
  "case/webhook-events.ts",
  "pipeline/webhook/webhook-signature.ts",
  "pipeline/ingest/sender-route.ts",
  "pipeline/ingest/agent-commands/",
  "kb/visibility.ts",
  "kb/kb-config.ts",
  "kb/markdown.ts",
  "kb/front-matter.ts",
  "kb/search-query.ts",
];
const isPure = (file: string) => PURE.some((p) => (p.endsWith("/") ? file.startsWith(p) : file === p)) || file.endsWith("-plan.ts");
/** Packages that are I/O: a pure module importing any of them (or the generated Prisma client) is not pure. */
const IO_PACKAGES = ["bullmq", "ioredis", "imapflow", "nodemailer", "pg", "@prisma/", "prisma"];

/** Who may import each top folder: `null` = anyone. */
const IMPORTED_ONLY_BY: Record<string, readonly string[]> = {
  app: ["app", "cli"],
  cli: ["cli"],
  // portal/ runs in the web process and enqueues its sign-in mails on the send stage, as web does.
  pipeline: ["pipeline", "app", "cli", "replay", "web", "portal"],
};

interface Violation {
  file: string;
  imports: string;
  rule: string;
}

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** The violations among `files` (path below src/ → source text). */
function checkLayering(files: ReadonlyMap<string, string>): Violation[] {
  const out: Violation[] = [];
  for (const [file, text] of files) {
    const top = file.split("/")[0]!;
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith(".")) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
        if (target.startsWith("..")) continue;
        const targetTop = target.split("/")[0]!;
        const allowed = IMPORTED_ONLY_BY[targetTop];
        if (allowed && targetTop !== top && !allowed.includes(top)) out.push({ file, imports: target, rule: `${targetTop}/ is imported only by ${allowed.join(", ")}` });
        if (isPure(file) && target.startsWith("generated/")) out.push({ file, imports: target, rule: "a pure module imports no database code" });
      } else if (isPure(file) && IO_PACKAGES.some((p) => spec === p || spec.startsWith(p.endsWith("/") ? p : `${p}/`))) {
        out.push({ file, imports: spec, rule: "a pure module imports no database, queue, IMAP or SMTP code" });
      }
    }
  }
  return out;
}

function sourceFiles(dir: string, base = ""): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = base ? `${base}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (rel !== "generated") for (const [k, v] of sourceFiles(path.join(dir, entry.name), rel)) files.set(k, v);
    } else if (entry.name.endsWith(".ts")) files.set(rel, readFileSync(path.join(dir, entry.name), "utf8"));
  }
  return files;
}

describe("layering of src/", () => {
  const files = sourceFiles(SRC);

  it("reads the tree (the pure modules are there)", () => {
    expect(files.size).toBeGreaterThan(50);
    for (const p of ["threading/resolve-thread.ts", "routing/route-case.ts", "pipeline/ingest/sender-route.ts", "pipeline/notify/notification-plan.ts", "case/access.ts"]) {
      expect(files.has(p), p).toBe(true);
      expect(isPure(p), p).toBe(true);
    }
  });

  it("has no violations", () => {
    expect(checkLayering(files)).toEqual([]);
  });

  // The check is only worth having if it catches what it is meant to: plant each kind of bad import.
  it.each([
    ["routing/route-case.ts", 'import { Queue } from "bullmq";', "a pure module imports no database, queue, IMAP or SMTP code"],
    ["threading/resolve-thread.ts", 'import type { Prisma } from "../generated/prisma/client.ts";', "a pure module imports no database code"],
    ["pipeline/notify/notification-plan.ts", 'import nodemailer from "nodemailer";', "a pure module imports no database, queue, IMAP or SMTP code"],
    ["pipeline/ingest/sender-route.ts", 'import { ImapFlow } from "imapflow";', "a pure module imports no database, queue, IMAP or SMTP code"],
    ["case/posts.ts", 'import { enqueueNotify } from "../pipeline/notify/notify.job.ts";', "pipeline/ is imported only by pipeline, app, cli, replay, web, portal"],
    ["sla/sla.service.ts", 'import { createRuntime } from "../app/runtime.ts";', "app/ is imported only by app, cli"],
    ["pipeline/sweeper.ts", 'import { main } from "../cli/main.ts";', "cli/ is imported only by cli"],
    ["config/env.ts", 'const m = await import("../pipeline/stages.ts");', "pipeline/ is imported only by pipeline, app, cli, replay, web, portal"],
  ])("catches a planted import in %s: %s", (file, line, rule) => {
    const planted = new Map(files);
    planted.set(file, `${line}\n${files.get(file) ?? ""}`);
    expect(checkLayering(planted)).toContainEqual(expect.objectContaining({ file, rule }));
  });
});

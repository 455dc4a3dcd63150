/**
 * Every raw message of the shared corpus (bounces, auto-replies, charsets, broken MIME, stress files) goes
 * through the live ingest code. None may crash; each ends as a case, a post or a quarantine entry with a
 * reason, and the raw bytes are kept.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayMessage } from "../../src/replay/replay.service.ts";
import { CORPUS_DIR, corpusMessages, corpusPresent } from "../support/corpus.ts";
import { labConfig, rand, startApp, type App } from "../support/harness.ts";

describe.skipIf(!corpusPresent)(`corpus replay (needs ${CORPUS_DIR})`, () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp(labConfig(rand()), { roles: [] });
  });
  afterAll(async () => app?.close());

  it("files every message as a case, a post or a quarantine entry, and never crashes", async () => {
    const files = await corpusMessages();
    expect(files.length).toBeGreaterThan(600);
    const counts: Record<string, number> = {};
    const bySet: Record<string, Record<string, number>> = {};
    const errors: string[] = [];
    for (const file of files) {
      const report = await replayMessage(app.rt.deps, { source: file, raw: await readFile(file) }, { dryRun: false, notify: false });
      const kind = report.outcome.kind;
      counts[kind] = (counts[kind] ?? 0) + 1;
      const set = path.relative(CORPUS_DIR, file).split(path.sep)[0]!;
      (bySet[set] ??= {})[kind] = (bySet[set]![kind] ?? 0) + 1;
      if (kind === "error") errors.push(`${file}: ${report.outcome.kind === "error" ? report.outcome.error : ""}`);
    }
    console.log(`corpus replay: ${files.length} messages: ${JSON.stringify(counts)}`);
    for (const [set, c] of Object.entries(bySet)) console.log(`  ${set}: ${JSON.stringify(c)}`);
    expect(errors).toEqual([]);
    const db = app.rt.deps.db;
    // Nothing left undecided; every quarantine entry says why; no notification went out for a quiet import.
    expect(await db.inboundMessage.count({ where: { status: "PENDING" } })).toBe(0);
    expect(await db.inboundMessage.count({ where: { status: "QUARANTINED", reason: null } })).toBe(0);
    expect(await db.outboundMail.count()).toBe(0);
    const stored = await db.inboundMessage.count();
    expect(stored + (counts.duplicate ?? 0)).toBe(files.length);
  }, 600_000);
});

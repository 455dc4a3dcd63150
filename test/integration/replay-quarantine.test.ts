/**
 * `mailcase replay --dry-run` explains without writing; a quiet import files without mailing anyone;
 * `mailcase quarantine` shows why a message was held and can put it back through ingest.
 */
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyConfig } from "../../src/config/apply-config.ts";
import { TEST_DATABASE_URL } from "../support/global-setup.ts";
import { labConfig, rand, startApp, waitFor, type App } from "../support/harness.ts";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");

describe("replay and quarantine", () => {
  const id = rand();
  let app: App;
  let dir: string;
  const cli = (args: string[]) =>
    run(process.execPath, [path.join(ROOT, "bin/mailcase.mjs"), ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, MAILCASE_REDIS_PREFIX: app.rt.env.MAILCASE_REDIS_PREFIX, LOG_LEVEL: "silent" },
    });
  const eml = (from: string, subject: string, extra = "") =>
    `From: ${from}\r\nTo: support-${id}@helpdesk.test\r\nSubject: ${subject}\r\nMessage-ID: <${rand()}@customer.test>\r\n${extra}Content-Type: text/plain; charset=utf-8\r\n\r\nHello, something is broken.\r\n`;

  beforeAll(async () => {
    app = await startApp(labConfig(id), { roles: ["worker"] });
    dir = await mkdtemp(path.join(tmpdir(), "mailcase-replay-"));
  });
  afterAll(async () => app?.close());

  it("explains routing, SLA and notifications in a dry run and writes nothing", async () => {
    const file = path.join(dir, "vip.eml");
    await writeFile(file, eml(`vip-${id}@customer.test`, "Server down"));
    const { stdout } = await cli(["replay", "--dry-run", file]);
    expect(stdout).toContain("would open case");
    expect(stdout).toContain('customer group "vip"');
    expect(stdout).toContain("owner alice, team vip-desk, priority HIGH");
    expect(stdout).toMatch(/SLA gold: first response due \d{4}-/);
    expect(stdout).toContain(`ACK → vip-${id}@customer.test`);
    expect(stdout).toContain(`NEW_CASE → alice-${id}@helpdesk.test`);
    expect(stdout).toContain("(dry run: nothing written)");
    expect(await app.rt.deps.db.case.count()).toBe(0);
    expect(await app.rt.deps.db.inboundMessage.count()).toBe(0);
  });

  it("explains routing, access and the SLA rule of one message with `route --explain`", async () => {
    const file = path.join(dir, "route.eml");
    await writeFile(file, eml(`vip-${id}@customer.test`, "Route me"));
    const { stdout } = await cli(["route", "--explain", file]);
    expect(stdout).toContain('customer group "vip"');
    expect(stdout).toContain("SLA rule: priority HIGH target of contract gold, around the clock");
    expect(stdout).toContain("access: alice: sees it (owner)");
    expect(stdout).toContain("access: bob: sees it (member of the case's team)");
    expect(stdout).toContain("access: dana: does not see it (not in the case's team)");
    expect(await app.rt.deps.db.case.count()).toBe(0);
  });

  it("imports quietly: the case exists, nobody is mailed, and a second import is a duplicate", async () => {
    const file = path.join(dir, "std.eml");
    await writeFile(file, eml(`quiet-${id}@customer.test`, "Old question"));
    const first = await cli(["replay", file]);
    expect(first.stdout).toContain("opened case");
    const again = await cli(["replay", file]);
    expect(again.stdout).toContain("already imported");
    expect(await app.rt.deps.db.case.count()).toBe(1);
    expect(await app.rt.deps.db.outboundMail.count()).toBe(0);
  });

  it("quarantines automatic mail that matches no case, and retries it after the cause is fixed", async () => {
    const file = path.join(dir, "ooo.eml");
    await writeFile(file, eml(`ooo-${id}@customer.test`, "Out of office", "Auto-Submitted: auto-replied\r\n"));
    const imported = await cli(["replay", file]);
    expect(imported.stdout).toContain("quarantined: automatic mail (auto-submitted:auto-replied) that matches no case");
    const list = await cli(["quarantine", "list", "--json"]);
    const rows = JSON.parse(list.stdout) as { id: number; reason: string }[];
    expect(rows).toHaveLength(1);
    const shown = await cli(["quarantine", "show", String(rows[0]!.id)]);
    expect(shown.stdout).toContain("Auto-Submitted: auto-replied");
    const raw = await cli(["quarantine", "show", String(rows[0]!.id), "--raw"]);
    expect(raw.stdout).toContain("Hello, something is broken.");

    // Retrying an unchanged automatic message quarantines it again, with its reason, through the worker.
    await cli(["quarantine", "retry", String(rows[0]!.id)]);
    await waitFor(async () => {
      const row = await app.rt.deps.db.inboundMessage.findUnique({ where: { id: rows[0]!.id } });
      return row?.status === "QUARANTINED" && row.attempts === 1 ? row : null;
    }, "retried message quarantined again");
    await cli(["quarantine", "discard", String(rows[0]!.id)]);
    expect(JSON.parse((await cli(["quarantine", "list", "--json"])).stdout)).toHaveLength(0);
  });

  it("retries a message held for an agent address once the configuration no longer lists it", async () => {
    // Mail from an agent address without a reply token is held; after the agent leaves, it is a customer's.
    const file = path.join(dir, "agent.eml");
    await writeFile(file, eml(`dana-${id}@helpdesk.test`, "Printer in room 5"));
    const imported = await cli(["replay", file]);
    expect(imported.stdout).toContain("without a reply token");
    const row = await app.rt.deps.db.inboundMessage.findFirstOrThrow({ where: { status: "QUARANTINED", outcome: { not: "discarded" } } });
    await applyConfig(app.rt.deps.db, labConfig(id, (doc) => {
      doc.agents = (doc.agents as { key: string }[]).filter((a) => a.key !== "dana");
      doc.areas = [{ key: "helpdesk", name: "Helpdesk", team: "first-line" }];
      doc.teams = [{ key: "first-line", name: "First line", members: ["bob"] }, { key: "vip-desk", name: "VIP desk", members: ["alice", "bob"] }];
    }));
    await cli(["quarantine", "retry", String(row.id)]);
    const done = await waitFor(() => app.rt.deps.db.inboundMessage.findFirst({ where: { id: row.id, status: "PROCESSED" } }), "retried message filed");
    expect(done.caseId).not.toBeNull();
  });
});

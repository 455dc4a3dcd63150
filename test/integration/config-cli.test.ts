/**
 * `mailcase config apply` is idempotent and declarative; the CLI reads cases back; the web process answers
 * health and metrics.
 */
import { execFile } from "node:child_process";
import { writeFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyConfig } from "../../src/config/apply-config.ts";
import { startWebServer } from "../../src/web/server.ts";
import { webOptions } from "../../src/app/runtime.ts";
import { TEST_DATABASE_URL } from "../support/global-setup.ts";
import { labConfig, rand, sendMail, startApp, waitFor, type App } from "../support/harness.ts";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
const cli = (args: string[], env: Record<string, string>) =>
  run(process.execPath, [path.join(ROOT, "bin/mailcase.mjs"), ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: "silent", ...env } });

describe("configuration and operator surface", () => {
  const id = rand();
  let app: App;

  beforeAll(async () => {
    app = await startApp(labConfig(id));
  });
  afterAll(async () => app?.close());

  it("applies the same file twice without changing anything, and replaces memberships declaratively", async () => {
    const db = app.rt.deps.db;
    const snapshot = async () => ({
      agents: await db.agent.findMany({ orderBy: { id: "asc" } }),
      members: await db.teamMember.findMany({ orderBy: [{ teamId: "asc" }, { agentId: "asc" }] }),
      targets: await db.slaTarget.findMany({ orderBy: { id: "asc" }, select: { contractId: true, priority: true, firstResponseMinutes: true } }),
      groups: await db.customerGroup.findMany({ orderBy: { id: "asc" }, include: { domains: true, responsibilities: true } }),
    });
    const before = await snapshot();
    await applyConfig(db, app.cfg);
    const after = await snapshot();
    expect(after.agents).toEqual(before.agents);
    expect(after.members).toEqual(before.members);
    expect(after.groups.map((g) => ({ ...g, responsibilities: g.responsibilities.map(({ id: _, ...r }) => r) }))).toEqual(
      before.groups.map((g) => ({ ...g, responsibilities: g.responsibilities.map(({ id: _, ...r }) => r) })),
    );

    // Dropping an agent from the file deactivates them (cases keep their owner) and removes team membership.
    const smaller = labConfig(id, (doc) => {
      doc.agents = (doc.agents as { key: string }[]).filter((a) => a.key !== "bob");
      doc.teams = [
        { key: "first-line", name: "First line", members: ["dana"] },
        { key: "vip-desk", name: "VIP desk", members: ["alice"] },
      ];
    });
    await applyConfig(db, smaller);
    expect((await db.agent.findUniqueOrThrow({ where: { key: "bob" } })).active).toBe(false);
    expect(await db.teamMember.count({ where: { agent: { key: "bob" } } })).toBe(0);
    await applyConfig(db, app.cfg);
    expect((await db.agent.findUniqueOrThrow({ where: { key: "bob" } })).active).toBe(true);
  });

  it("validates a file from the CLI and names the bad field", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mailcase-"));
    const file = path.join(dir, "bad.yaml");
    await writeFile(file, stringify({ ...JSON.parse(JSON.stringify(app.cfg)), settings: { defaultArea: "nowhere" } }));
    await expect(cli(["config", "check", file], {})).rejects.toMatchObject({ stderr: expect.stringContaining('settings.defaultArea: unknown area "nowhere"') });
  });

  it("shows a case with its routing, SLA and stream through the CLI", async () => {
    const msgId = await sendMail({ from: `cli-${id}@customer.test`, to: app.support, subject: "CLI check", text: "Hello CLI" });
    const inbound = await waitFor(() => app.rt.deps.db.inboundMessage.findFirst({ where: { messageId: msgId, caseId: { not: null } } }), "case");
    const c = await app.rt.deps.db.case.findUniqueOrThrow({ where: { id: inbound.caseId! } });
    const { stdout } = await cli(["case", String(c.number), "--json"], {});
    const shown = JSON.parse(stdout) as { subject: string; routing: { group: string; owner: string; explain: string[] }; sla: { contract: string }; stream: { visibility: string; body: string }[] };
    expect(shown.subject).toBe("CLI check");
    expect(shown.routing.group).toBe("standard");
    expect(shown.routing.owner).toContain("dana");
    expect(shown.routing.explain.join(" ")).toContain("area default");
    expect(shown.sla.contract).toBe("standard");
    expect(shown.stream[0]).toMatchObject({ visibility: "PUBLIC", body: "Hello CLI" });
    const list = await cli(["cases"], {});
    expect(list.stdout).toContain("CLI check");
    await expect(cli(["case", "999999"], {})).rejects.toMatchObject({ stderr: expect.stringContaining("case 999999 not found") });
  });

  it("answers health and metrics", async () => {
    const web = await startWebServer(app.rt.deps, app.rt.redis, webOptions(app.rt.env, { port: 0 }));
    try {
      const health = await fetch(`http://127.0.0.1:${web.port}/healthz`);
      expect(health.status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${web.port}/metrics`)).text();
      expect(metrics).toMatch(/mailcase_inbound_messages\{status="PROCESSED"\} [1-9]/);
      expect(metrics).toContain('mailcase_queue_jobs{queue="ingest"');
    } finally {
      await web.close();
    }
  });
});

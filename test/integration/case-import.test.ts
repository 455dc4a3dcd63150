/**
 * `mailcase import cases` and `mailcase export cases` on a real database: the dry run reports each bad row by
 * line, field and why and writes nothing; an import keeps historical dates and status, sends no mail and
 * starts no SLA clock; importing the same file twice changes nothing; a changed row updates its case; an
 * export imports back unchanged.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { stringify } from "csv-stringify/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportCases } from "../../src/case/import/export-cases.ts";
import { importCases, type ImportSummary } from "../../src/case/import/import-cases.service.ts";
import type { RowIssue } from "../../src/case/import/import-row.ts";
import { csvRecords, mappingOf } from "../../src/cli/commands-import.ts";
import { TEST_DATABASE_URL } from "../support/global-setup.ts";
import { labConfig, rand, startApp, type App } from "../support/harness.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(path.join(tmpdir(), "mailcase-import-"));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe("import and export of cases", () => {
  const id = rand();
  let app: App;
  const db = () => app.rt.deps.db;
  const run = async (csv: string, apply = true, mapping = {}) => {
    const issues: RowIssue[] = [];
    const summary = await importCases(db(), csvRecords(csv, mapping), { apply, mapping, source: csv, batchSize: 2, onIssue: (i) => void issues.push(i) });
    return { summary, issues };
  };
  /** Everything an import may touch, to compare before and after. */
  const snapshot = async () => ({
    cases: await db().case.findMany({ orderBy: { id: "asc" } }),
    contacts: await db().contact.findMany({ orderBy: { id: "asc" } }),
    caseContacts: await db().caseContact.count(),
    followers: await db().follower.count(),
    events: await db().caseEvent.count(),
  });

  beforeAll(async () => {
    app = await startApp(labConfig(id), { roles: [] });
  });
  afterAll(async () => app?.close());

  // "Ticket" is mapped to external_id by a YAML file; the second row's description spans two lines.
  const good = () =>
    file(
      "good.csv",
      [
        "Ticket,subject,description,status,priority,requester,requester_name,owner,sla,solution,created_at,closed_at",
        `T-1,Old printer case,"It broke,\nbadly",closed,high,pat-${id}@acme.test,Pat,alice,gold,Replaced it,2024-03-01T09:00:00Z,2024-03-02T10:00:00Z`,
        `T-2,Still open,Waiting for parts,in progress,normal,vip-${id}@customer.test,,,,,2024-05-01T08:00:00Z,`,
        `T-3,New one,,,,new-${id}@example.test,,,,,,`,
      ].join("\n"),
    );

  it("dry run: reports every bad row by line, field and why, and writes nothing", async () => {
    const bad = file(
      "bad.csv",
      [
        "external_id,subject,status,requester,owner,solution,created_at",
        `B-1,ok row,new,ok-${id}@acme.test,,,`,
        `B-2,,new,x-${id}@acme.test,,,`,
        `B-3,done,closed,y-${id}@acme.test,,,`,
        `B-4,who,new,not-an-address,nobody,,`,
        `B-5,when,finished,z-${id}@acme.test,,,yesterday`,
      ].join("\n"),
    );
    const before = await snapshot();
    const out = await promisify(execFile)(process.execPath, [path.join(ROOT, "bin/mailcase.mjs"), "import", "cases", bad, "--quiet"], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: "silent", NODE_NO_WARNINGS: "1" },
    }).catch((e: { code: number; stdout: string }) => e);
    expect("code" in out ? out.code : 0).toBe(1);
    const lines = out.stdout.split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        "line 3: subject: required",
        "line 4: solution: a resolved or closed case needs a solution",
        "line 5: requester: not an email address",
        expect.stringMatching(/^line 6: status: /),
        expect.stringMatching(/^line 6: created_at: not a date/),
      ]),
    );
    expect(out.stdout).toContain("5 rows: 1 would be created, 0 would be updated, 0 unchanged, 4 invalid");
    expect(await snapshot()).toEqual(before);
  });

  it("applies: historical dates and status kept, contacts matched or created, no mail, no SLA clock", async () => {
    const mappingFile = file("mapping.yaml", "columns:\n  external_id: Ticket\n");
    const { summary, issues } = await run(good(), true, mappingOf({ mapping: mappingFile }));
    expect(issues).toEqual([]);
    expect(summary).toMatchObject<Partial<ImportSummary>>({ rows: 3, created: 3, invalid: 0 });
    const t1 = await db().case.findUniqueOrThrow({ where: { externalId: "T-1" }, include: { owner: true, slaContract: true, contacts: { include: { contact: { include: { account: true } } } } } });
    expect(t1).toMatchObject({ status: "CLOSED", priority: "HIGH", origin: "IMPORT", description: "It broke,\nbadly", solution: "Replaced it" });
    expect(t1.createdAt.toISOString()).toBe("2024-03-01T09:00:00.000Z");
    expect(t1.closedAt?.toISOString()).toBe("2024-03-02T10:00:00.000Z");
    expect({ owner: t1.owner?.key, sla: t1.slaContract?.key, account: t1.contacts[0]?.contact.account?.key }).toEqual({ owner: "alice", sla: "gold", account: "acme" });
    expect(t1).toMatchObject({ firstResponseDueAt: null, resolutionDueAt: null, nextResponseDueAt: null });
    expect((await db().case.findUniqueOrThrow({ where: { externalId: "T-3" } })).status).toBe("NEW");
    expect(await db().outboundMail.count()).toBe(0);
    expect(await db().post.count()).toBe(0);
  });

  it("importing the same file twice changes nothing", async () => {
    const mapping = { external_id: "Ticket" };
    const before = await snapshot();
    const { summary } = await run(good(), true, mapping);
    expect(summary).toMatchObject({ rows: 3, created: 0, updated: 0, unchanged: 3 });
    expect(await snapshot()).toEqual(before);
  });

  it("updates a case whose row changed, audited with the fields", async () => {
    const changed = file("changed.csv", ["Ticket,subject,status,requester,solution", `T-3,New one,resolved,new-${id}@example.test,Answered by phone`].join("\n"));
    const { summary } = await run(changed, true, { external_id: "Ticket" });
    expect(summary).toMatchObject({ created: 0, updated: 1 });
    const t3 = await db().case.findUniqueOrThrow({ where: { externalId: "T-3" }, include: { events: true } });
    expect(t3).toMatchObject({ status: "RESOLVED", solution: "Answered by phone" });
    expect(t3.events.at(-1)).toMatchObject({ type: "case.imported", data: { updated: ["status", "solution"] } });
  });

  it("exports what imports back unchanged, as CSV and as JSON Lines", async () => {
    const rows = [];
    for await (const r of exportCases(db())) rows.push(r);
    expect(rows.map((r) => r.external_id).sort()).toEqual(["T-1", "T-2", "T-3"]);
    const csv = file("export.csv", stringify(rows, { header: true }));
    const before = await snapshot();
    expect((await run(csv)).summary).toMatchObject({ rows: 3, created: 0, updated: 0, unchanged: 3 });
    expect(await snapshot()).toEqual(before);
    const jsonl = await promisify(execFile)(process.execPath, [path.join(ROOT, "bin/mailcase.mjs"), "export", "cases", "--format", "jsonl"], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: "silent", NODE_NO_WARNINGS: "1" },
    });
    const lines = jsonl.stdout.trim().split("\n").map((l) => JSON.parse(l) as { external_id: string; status: string });
    expect(lines.find((l) => l.external_id === "T-1")?.status).toBe("CLOSED");
  });
});

/**
 * Custom case fields, products and contact phones through the API (inject against the real database) and
 * the CLI (a child process): required fields on create, refusals naming the field, inactive products,
 * audit events through the case change path, and `mailcase case N` / GET showing them.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiPlugin } from "../../src/api/plugin.ts";
import { createToken } from "../../src/api/tokens.ts";
import { opsDepsOf } from "../../src/pipeline/case-effects.ts";
import { exportCases } from "../../src/case/import/export-cases.ts";
import { importCases, type ImportRecord } from "../../src/case/import/import-cases.service.ts";
import type { RowIssue } from "../../src/case/import/import-row.ts";
import { FIELDS_CONFIG } from "../support/case-fields.ts";
import { runCli } from "../support/cli.ts";
import { labConfig, rand, startApp, type App } from "../support/harness.ts";

describe("custom case fields, products, contact phone", () => {
  const id = rand();
  const customer = `pat-${id}@acme.test`;
  let app: App;
  let http: FastifyInstance;
  let token = "";
  const db = () => app.rt.deps.db;
  const call = (method: "GET" | "POST" | "PATCH", url: string, payload?: object) =>
    http.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
  const cli = (args: string[]) => runCli(app, args);

  beforeAll(async () => {
    app = await startApp(labConfig(id, (cfg) => FIELDS_CONFIG(cfg, customer)), { roles: [] });
    http = Fastify();
    await http.register(apiPlugin, { prefix: "/api/v1", ops: opsDepsOf(app.rt.deps) });
    await http.ready();
    token = (await createToken(db(), "alice", ["cases:read", "cases:write"]))!.token;
  });
  afterAll(async () => {
    await http?.close();
    await app?.close();
  });

  let number = 0;

  it("API: refuses a create without a required field or with a wrong value, naming the field; creates nothing", async () => {
    const base = { requester: { email: customer }, subject: `Fields ${id}` };
    const missing = await call("POST", "/cases", base);
    expect(missing.statusCode).toBe(422);
    expect(missing.json()).toMatchObject({ field: "fields.contract", detail: "contract: is required" });
    const wrong = await call("POST", "/cases", { ...base, fields: { contract: "C-1", seats: "many" } });
    expect(wrong.json()).toMatchObject({ field: "fields.seats", detail: 'seats: "many" is not a number' });
    const inactive = await call("POST", "/cases", { ...base, fields: { contract: "C-1" }, product: "old-9" });
    expect(inactive.json()).toMatchObject({ field: "product", detail: expect.stringContaining("no longer offered") });
    expect(await db().case.count({ where: { subject: `Fields ${id}` } })).toBe(0);
  });

  it("API: creates with fields and a product, changes them with audit events, GET shows them", async () => {
    const created = await call("POST", "/cases", { requester: { email: customer }, subject: `Fields ${id}`, fields: { contract: "C-1", plan: "pro", os: ["windows", "linux"] }, product: "cam-1" });
    expect(created.statusCode).toBe(201);
    number = created.json<{ number: number }>().number;
    const changed = await call("PATCH", `/cases/${number}`, { fields: { seats: 12, plan: null, onsite: true, due: "2026-12-24" } });
    expect(changed.statusCode).toBe(200);
    expect(changed.json<{ changed: string[] }>().changed).toEqual(["field.seats", "field.plan", "field.onsite", "field.due"]);
    const repeat = await call("PATCH", `/cases/${number}`, { fields: { seats: "12" } });
    expect(repeat.json<{ changed: string[] }>().changed).toEqual([]);
    const clear = await call("PATCH", `/cases/${number}`, { fields: { contract: "" } });
    expect(clear.json()).toMatchObject({ field: "fields.contract", detail: "contract: is required and cannot be cleared" });
    const unknown = await call("PATCH", `/cases/${number}`, { fields: { colour: "red" } });
    expect(unknown.json()).toMatchObject({ status: 422, field: "fields.colour" });

    const got = (await call("GET", `/cases/${number}`)).json<{ case: { fields: object; product: string; contacts: { phone: string | null }[] } }>().case;
    expect(got.fields).toEqual({ contract: "C-1", os: ["Linux", "Windows"], seats: 12, onsite: true, due: "2026-12-24" });
    expect(got.product).toBe("CAM-1");
    expect(got.contacts[0]?.phone).toBe("+420 601 234 567");
    const events = await db().caseEvent.findMany({ where: { case: { number }, type: "case.changed" }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.data)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: "field.plan", from: "Pro", to: null }),
        expect.objectContaining({ field: "field.os", from: null, to: "Linux, Windows" }),
        expect.objectContaining({ field: "product", from: null, to: "CAM-1" }),
      ]),
    );
  });

  it("the OpenAPI document describes fields and product on create and change", async () => {
    const doc = (await http.inject({ method: "GET", url: "/api/v1/openapi.json" })).json<{ paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: object } }> } }>> }>();
    expect(Object.keys(doc.paths["/api/v1/cases"]!.post!.requestBody!.content["application/json"]!.schema.properties ?? {})).toEqual(expect.arrayContaining(["fields", "product"]));
    expect(Object.keys(doc.paths["/api/v1/cases/{number}"]!.patch!.requestBody!.content["application/json"]!.schema.properties ?? {})).toEqual(expect.arrayContaining(["fields", "product"]));
  });

  it("CLI: --field and --product on set and create, refusals name the field, `mailcase case N` shows them", async () => {
    const bad = await cli(["case", "set", String(number), "--as", "alice", "--field", "due=tomorrow"]);
    expect(bad).toMatchObject({ code: 1, stderr: expect.stringContaining('refused (fields.due): due: "tomorrow" is not a date (use YYYY-MM-DD)') });
    const ok = await cli(["case", "set", String(number), "--as", "alice", "--field", "margin=7.5", "--field", "os=linux", "--product", "none"]);
    expect(ok).toMatchObject({ code: 0, stdout: expect.stringContaining("field.margin") });
    const noContract = await cli(["case", "create", "--as", "alice", "--requester", customer, "--subject", `CLI ${id}`]);
    expect(noContract).toMatchObject({ code: 1, stderr: expect.stringContaining("contract: is required") });
    const created = await cli(["case", "create", "--as", "alice", "--requester", customer, "--subject", `CLI ${id}`, "--field", "contract=C-2", "--product", "CAM-1", "--json"]);
    expect(created.code).toBe(0);

    const shown = await cli(["case", String(number)]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`${customer} (requester, portal, phone +420 601 234 567)`);
    expect(shown.stdout).toContain("field contract (Contract): C-1");
    expect(shown.stdout).toContain("field margin (Margin): 7.5");
    expect(shown.stdout).toContain("field os (os): Linux");
    expect(shown.stdout).not.toContain("product:");
    const other = await cli(["case", String(JSON.parse(created.stdout).number)]);
    expect(other.stdout).toContain("product: CAM-1 Camera One");
  });

  it("CSV import and export carry field.<key> columns, product and phone; per-row issues name line and field; a second import changes nothing", async () => {
    const rows = (records: Record<string, string>[]): AsyncIterable<ImportRecord> =>
      (async function* () {
        for (const [i, record] of records.entries()) yield { line: i + 2, record };
      })();
    const newcomer = `lee-${id}@acme.test`;
    const file: Record<string, string>[] = [
      { external_id: `X-${id}-1`, subject: "Imported one", requester: newcomer, requester_phone: "+1 555 0199", product: "cam-1", "field.contract": "K-9", "field.seats": "4", "field.os": "linux,windows", "field.onsite": "no" },
      { external_id: `X-${id}-2`, subject: "Imported two", requester: newcomer, product: "", "field.contract": "", "field.seats": "lots" },
      { external_id: `X-${id}-3`, subject: "Imported three", requester: newcomer, "field.due": "2026-13-01" },
      { external_id: `X-${id}-4`, subject: "Imported four", requester: newcomer, product: "OLD-9" },
    ];
    const run = async (apply: boolean) => {
      const issues: RowIssue[] = [];
      const summary = await importCases(db(), rows(file), { apply, mapping: {}, source: "fields.csv", onIssue: (i) => issues.push(i) });
      return { summary, issues };
    };
    const first = await run(true);
    expect(first.issues).toEqual([
      { line: 3, field: "field.seats", why: 'seats: "lots" is not a number' },
      { line: 4, field: "field.due", why: 'due: "2026-13-01" is not a date (use YYYY-MM-DD)' },
      { line: 5, field: "product", why: expect.stringContaining("no longer offered") },
    ]);
    expect(first.summary).toMatchObject({ created: 1, invalid: 3 });
    expect(await db().case.count({ where: { externalId: `X-${id}-4` } })).toBe(0);
    const c = await db().case.findUniqueOrThrow({ where: { externalId: `X-${id}-1` }, include: { product: true } });
    expect(c.customFields).toEqual({ contract: "K-9", seats: 4, os: ["Linux", "Windows"], onsite: false });
    expect(c.product?.code).toBe("CAM-1");
    expect((await db().contact.findUniqueOrThrow({ where: { email: newcomer } })).phone).toBe("+1 555 0199");

    const again = await run(true);
    expect(again.summary).toMatchObject({ created: 0, updated: 0, unchanged: 1, invalid: 3 });

    // The export carries the same columns, and imports back without a change.
    const exported: Record<string, string>[] = [];
    for await (const row of exportCases(db())) exported.push(row);
    const mine = exported.find((r) => r.external_id === `X-${id}-1`)!;
    expect(mine).toMatchObject({ product: "CAM-1", requester_phone: "+1 555 0199", "field.contract": "K-9", "field.seats": "4", "field.os": "Linux, Windows", "field.onsite": "no", "field.margin": "" });
    const back = await importCases(db(), rows(exported.filter((r) => r.external_id?.startsWith(`X-${id}-`))), { apply: true, mapping: {}, source: "export.csv", onIssue: (i) => expect.fail(`line ${i.line} ${i.field}: ${i.why}`) });
    expect(back).toMatchObject({ created: 0, updated: 0, invalid: 0 });
  });

  it("CSV re-import: a case keeping its now-inactive product is accepted unchanged; setting that product anew stays refused", async () => {
    const rows = (records: Record<string, string>[]): AsyncIterable<ImportRecord> =>
      (async function* () {
        for (const [i, record] of records.entries()) yield { line: i + 2, record };
      })();
    const requester = `kim-${id}@acme.test`;
    const base = [
      { external_id: `K-${id}-1`, subject: "Kept product", requester, product: "CAM-1" },
      { external_id: `K-${id}-2`, subject: "Other product", requester, product: "CAM-1" },
    ];
    await importCases(db(), rows(base), { apply: true, mapping: {}, source: "base.csv", onIssue: (i) => expect.fail(`line ${i.line} ${i.field}: ${i.why}`) });
    // K-1 got OLD-9 while it was still offered (the product was retired since).
    const old = await db().product.findUniqueOrThrow({ where: { code: "OLD-9" } });
    await db().case.update({ where: { externalId: `K-${id}-1` }, data: { productId: old.id } });
    const issues: RowIssue[] = [];
    const file = [
      { external_id: `K-${id}-1`, subject: "Kept product", requester, product: "old-9" },
      { external_id: `K-${id}-2`, subject: "Other product", requester, product: "OLD-9" },
    ];
    const summary = await importCases(db(), rows(file), { apply: true, mapping: {}, source: "again.csv", onIssue: (i) => issues.push(i) });
    expect(issues).toEqual([{ line: 3, field: "product", why: expect.stringContaining("no longer offered") }]);
    expect(summary).toMatchObject({ created: 0, updated: 0, unchanged: 1, invalid: 1 });
    const kept = await db().case.findUniqueOrThrow({ where: { externalId: `K-${id}-1` }, include: { product: true } });
    const other = await db().case.findUniqueOrThrow({ where: { externalId: `K-${id}-2` }, include: { product: true } });
    expect(kept.product?.code).toBe("OLD-9");
    expect(other.product?.code).toBe("CAM-1");
  });
});

/**
 * The HTTP API plugin (src/api) on a Fastify instance of its own, driven with inject() against the real
 * database: tokens (missing, revoked, scopes, last use), acting as the token's agent (a case they may not see
 * is 404 in the words of a missing one), problem details naming the field, Idempotency-Key on POST, and an
 * OpenAPI document that covers every route the plugin registers.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiPlugin } from "../../src/api/plugin.ts";
import { createToken, revokeToken } from "../../src/api/tokens.ts";
import { opsDepsOf } from "../../src/pipeline/case-effects.ts";
import { labConfig, rand, startApp, type App } from "../support/harness.ts";

describe("HTTP API /api/v1", () => {
  const id = rand();
  const vip = `vip-${id}@customer.test`;
  let app: App;
  let http: FastifyInstance;
  const registered: { method: string; url: string }[] = [];
  const tokens: Record<string, string> = {};
  const db = () => app.rt.deps.db;
  const call = (token: string | null, method: "GET" | "POST" | "PATCH" | "DELETE", url: string, payload?: object, headers: Record<string, string> = {}) =>
    http.inject({ method, url: `/api/v1${url}`, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers }, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    app = await startApp(labConfig(id), { roles: [] });
    http = Fastify();
    http.addHook("onRoute", (r) => {
      for (const m of [r.method].flat()) if (m !== "HEAD") registered.push({ method: m, url: r.url });
    });
    await http.register(apiPlugin, { prefix: "/api/v1", ops: opsDepsOf(app.rt.deps) });
    await http.ready();
    tokens.alice = (await createToken(db(), "alice", ["cases:read", "cases:write"]))!.token;
    tokens.dana = (await createToken(db(), "dana", ["cases:read", "cases:write"]))!.token;
    tokens.reader = (await createToken(db(), "alice", ["cases:read"]))!.token;
  });
  afterAll(async () => {
    await http?.close();
    await app?.close();
  });

  let number = 0;

  it("creates a case once per Idempotency-Key, as the token's agent", async () => {
    const body = { requester: { email: vip }, subject: `API ${id}`, description: "From the web form.", origin: "WEB" };
    const first = await call(tokens.alice!, "POST", "/cases", body, { "idempotency-key": `k-${id}` });
    expect(first.statusCode).toBe(201);
    number = first.json<{ number: number }>().number;
    const retry = await call(tokens.alice!, "POST", "/cases", body, { "idempotency-key": `k-${id}` });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    expect(retry.json()).toEqual(first.json());
    expect(await db().case.count({ where: { subject: `API ${id}` } })).toBe(1);
    const other = await call(tokens.alice!, "POST", "/cases", { ...body, subject: "another" }, { "idempotency-key": `k-${id}` });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ status: 422, field: "Idempotency-Key" });
    const events = await db().caseEvent.findFirstOrThrow({ where: { case: { number }, type: "case.created" } });
    expect(events.data).toMatchObject({ by: expect.stringMatching(/^agent:\d+$/) });
  });

  it("answers errors as problem details naming the field", async () => {
    const bad = await call(tokens.alice!, "PATCH", `/cases/${number}`, { priority: "SOON" });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers["content-type"]).toContain("application/problem+json");
    expect(bad.json()).toMatchObject({ status: 400, field: "priority" });
    const noSolution = await call(tokens.alice!, "PATCH", `/cases/${number}`, { status: "CLOSED" });
    expect(noSolution.statusCode).toBe(422);
    expect(noSolution.json()).toMatchObject({ field: "solution", detail: "a solution is required to close" });
    const ok = await call(tokens.alice!, "PATCH", `/cases/${number}`, { status: "RESOLVED", solution: "Done by API." });
    expect(ok.statusCode).toBe(200);
    expect(ok.json<{ changed: string[] }>().changed).toEqual(expect.arrayContaining(["status", "solution"]));
  });

  it("requires a live token with the route's scope, and records its last use", async () => {
    expect((await call(null, "GET", `/cases/${number}`)).statusCode).toBe(401);
    expect((await call("mc_forged", "GET", `/cases/${number}`)).statusCode).toBe(401);
    expect((await call(tokens.reader!, "GET", `/cases/${number}`)).statusCode).toBe(200);
    const write = await call(tokens.reader!, "POST", `/cases/${number}/follow`);
    expect(write.statusCode).toBe(403);
    const row = await db().apiToken.findFirstOrThrow({ where: { scopes: { equals: ["cases:read"] } } });
    expect(row.lastUsedAt).not.toBeNull();
    expect(row.hash).not.toContain(tokens.reader!);
    expect(await revokeToken(db(), row.id, new Date())).toBe(true);
    expect((await call(tokens.reader!, "GET", `/cases/${number}`)).statusCode).toBe(401);
  });

  it("is 404 for a case the token's agent may not see, exactly as for a missing case", async () => {
    // dana is not in vip-desk, the team of the VIP customer's cases.
    for (const [method, url, payload] of [
      ["GET", `/cases/${number}`, undefined],
      ["POST", `/cases/${number}/posts`, { visibility: "INTERNAL", body: "peek" }],
      ["PATCH", `/cases/${number}`, { priority: "LOW" }],
      ["POST", `/cases/${number}/follow`, undefined],
    ] as const) {
      const hidden = await call(tokens.dana!, method, url, payload);
      const missing = await call(tokens.dana!, method, url.replace(String(number), "999999"), payload);
      expect(hidden.statusCode, `${method} ${url}`).toBe(404);
      expect(hidden.json<{ detail: string }>().detail).toBe(missing.json<{ detail: string }>().detail.replace("999999", String(number)));
    }
    expect((await call(tokens.alice!, "GET", `/cases/${number}`)).json<{ case: { priority: string } }>().case.priority).not.toBe("LOW");
    expect(await db().post.count({ where: { body: "peek" } })).toBe(0);
  });

  it("describes every registered route in its OpenAPI 3.1 document", async () => {
    const doc = (await http.inject({ method: "GET", url: "/api/v1/openapi.json" })).json<{ openapi: string; paths: Record<string, Record<string, { responses: object; requestBody?: object }>> }>();
    expect(doc.openapi).toBe("3.1.0");
    const routes = registered.filter((r) => !/\/(openapi\.json|docs)$/.test(r.url));
    expect(routes.length).toBeGreaterThanOrEqual(9);
    for (const r of routes) {
      const op = doc.paths[r.url.replace(/:(\w+)/g, "{$1}")]?.[r.method.toLowerCase()];
      expect(op, `${r.method} ${r.url}`).toBeDefined();
      expect(op!.responses).toBeDefined();
      if (r.method === "PATCH" || (r.method === "POST" && !/\/(follow|clone)$/.test(r.url))) expect(op!.requestBody, `${r.method} ${r.url} body schema`).toBeDefined();
    }
  });

  it("serves a readable reference page of every route, its parameters and body fields, with nothing from outside", async () => {
    const page = await http.inject({ method: "GET", url: "/api/v1/docs" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
    const html = page.body;
    const routes = registered.filter((r) => !/\/(openapi\.json|docs)$/.test(r.url));
    for (const r of routes) expect(html, `${r.method} ${r.url}`).toContain(`<span class="m ${r.method.toLowerCase()}">${r.method}</span> <code>${r.url.replace(/:(\w+)/g, "{$1}")}</code>`);
    for (const param of ["status", "priority", "owner", "team", "group", "account", "sla", "updatedSince", "q", "limit", "cursor", "Idempotency-Key"]) expect(html).toContain(`<code>${param}</code>`);
    // Body fields of POST /cases, nested ones flattened, with their types.
    expect(html).toMatch(/<code>requester\.email<\/code><\/td><td>string<\/td><td>yes/);
    expect(html).toContain("&quot;PHONE&quot; | &quot;API&quot; | &quot;WEB&quot;");
    // Offline: no script, no stylesheet or image from elsewhere.
    expect(html).not.toMatch(/<script|<link|src=|href="https?:/i);
  });
});

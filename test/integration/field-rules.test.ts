/**
 * Custom fields and products in rules, end to end: a case created through the API with `fields` is routed
 * by an assignment rule on that field (the values reach routing, not only the row), and a portal user who is
 * not on the case sees it only because an exposure rule on the (agent-only) field holds, never its value.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiPlugin } from "../../src/api/plugin.ts";
import { createToken } from "../../src/api/tokens.ts";
import { webOptions } from "../../src/app/runtime.ts";
import { opsDepsOf } from "../../src/pipeline/case-effects.ts";
import { createSession } from "../../src/portal/session.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { labConfig, rand, startApp, testEnv, type App } from "../support/harness.ts";
import { Browser } from "../support/portal.ts";

describe("custom fields in assignment and exposure rules", () => {
  const id = rand();
  const requester = `req-${id}@example.org`;
  const viewerEmail = `viewer-${id}@example.net`;
  let app: App;
  let api: FastifyInstance;
  let web: FastifyInstance;
  let token = "";
  const db = () => app.rt.deps.db;
  const create = (subject: string, fields: Record<string, unknown>, product?: string) =>
    api.inject({ method: "POST", url: "/api/v1/cases", headers: { authorization: `Bearer ${token}` }, payload: { requester: { email: requester }, subject, fields, ...(product ? { product } : {}) } });

  beforeAll(async () => {
    const cfg = labConfig(id, (doc) => {
      doc.caseFields = [{ key: "plan", type: "picklist", options: ["basic", "enterprise"], visibility: "agent" }];
      doc.products = [{ code: "CAM-1", name: "Camera One" }];
      doc.contacts = [{ email: viewerEmail, name: "Vera Viewer", portal: true }];
      doc.assignmentRules = [
        { key: "enterprise", when: { fields: { plan: ["enterprise"] } }, then: { team: "vip-desk" } },
        { key: "cameras", when: { product: ["cam-1"] }, then: { tags: ["camera"] } },
      ];
      doc.portals = [{ key: "customers", path: "/portal", name: "P", exposure: { rules: [{ fields: { plan: "enterprise" } }] } }];
    });
    app = await startApp(cfg, { env: testEnv(), roles: [] });
    api = Fastify();
    await api.register(apiPlugin, { prefix: "/api/v1", ops: opsDepsOf(app.rt.deps) });
    await api.ready();
    web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, { publicUrl: "http://127.0.0.1:8080", portalCacheMs: 0, pageRatePerMinute: 1_000_000 }));
    token = (await createToken(db(), "alice", ["cases:read", "cases:write"]))!.token;
  }, 120_000);

  afterAll(async () => {
    await web?.close();
    await api?.close();
    await app?.close();
  });

  let enterprise = 0;
  let basic = 0;

  it("routes an API-created case by its field, and another by its product, explaining each rule", async () => {
    const a = await create(`Big customer ${id}`, { plan: "enterprise" });
    expect(a.statusCode).toBe(201);
    enterprise = a.json<{ number: number }>().number;
    const b = await create(`Small customer ${id}`, { plan: "Basic" }, "cam-1");
    expect(b.statusCode).toBe(201);
    basic = b.json<{ number: number }>().number;

    const rowA = await db().case.findUniqueOrThrow({ where: { number: enterprise }, include: { team: true } });
    expect(rowA.team?.key).toBe("vip-desk");
    expect(rowA.customFields).toEqual({ plan: "enterprise" });
    expect((rowA.routing as { explain: string[] }).explain).toEqual(expect.arrayContaining(['rule "enterprise": matched', 'rule "cameras": not evaluated (rule "enterprise" matched first)']));

    const rowB = await db().case.findUniqueOrThrow({ where: { number: basic }, include: { team: true, product: true } });
    expect(rowB.team?.key).toBe("first-line");
    expect(rowB.tags).toEqual(["camera"]);
    expect(rowB.product?.code).toBe("CAM-1");
    expect((rowB.routing as { explain: string[] }).explain).toEqual(expect.arrayContaining(['rule "enterprise": no match (field plan is "basic", not "enterprise")', 'rule "cameras": matched']));
    // The opening values have their audit events, as when set later.
    const changed = await db().caseEvent.findMany({ where: { caseId: rowB.id, type: "case.changed" }, orderBy: { id: "asc" } });
    expect(changed.map((e) => e.data)).toEqual([
      { field: "field.plan", from: null, to: "basic", by: expect.any(String) },
      { field: "product", from: null, to: "CAM-1", by: expect.any(String) },
    ]);
  });

  it("shows a portal user the case whose field an exposure rule names, not the other, and never the agent-only value", async () => {
    const contact = await db().contact.findUniqueOrThrow({ where: { email: viewerEmail } });
    const session = await createSession(app.rt.deps, { idleMs: 3600_000, absoluteMs: 86_400_000 }, { contactId: contact.id, portalKey: "customers", userAgent: null });
    const b = new Browser(web);
    b.cookies.set("mc_customers", web.signCookie(session!.value));
    const list = await b.get("/portal/cases?filter=all");
    expect(list.statusCode).toBe(200);
    const listed = [...list.body.matchAll(/href="\/portal\/cases\/(\d+)"/g)].map((m) => Number(m[1]));
    expect(new Set(listed)).toEqual(new Set([enterprise]));
    const shown = await b.get(`/portal/cases/${enterprise}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain(`Big customer ${id}`);
    expect(shown.body.toLowerCase()).not.toContain("enterprise");
    expect((await b.get(`/portal/cases/${basic}`)).statusCode).toBe(404);

    // The same case with the field changed is no longer exposed.
    const patched = await api.inject({ method: "PATCH", url: `/api/v1/cases/${enterprise}`, headers: { authorization: `Bearer ${token}` }, payload: { fields: { plan: "basic" } } });
    expect(patched.statusCode).toBe(200);
    expect((await b.get(`/portal/cases/${enterprise}`)).statusCode).toBe(404);
  });
});

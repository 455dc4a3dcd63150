/**
 * The agent API served by the web process: registered under /api/v1 beside the portal, a token acts as its
 * agent through the same case operations as the CLI, and a case the agent may not see is 404. A case opened
 * through the API with a public post reaches the customer's mailbox like an agent's email answer.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../../src/api/tokens.ts";
import { webOptions } from "../../src/app/runtime.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { labConfig, rand, startApp, testEnv, waitForMail, type App } from "../support/harness.ts";

describe("agent API in the web process", () => {
  const id = rand();
  let app: App;
  let web: FastifyInstance;
  let alice: string;
  let carol: string;
  beforeAll(async () => {
    const cfg = labConfig(id, (doc) => {
      (doc.agents as unknown[]).push({ key: "carol", name: "Carol Outsider", email: `carol-${id}@helpdesk.test` });
      (doc.teams as unknown[]).push({ key: "elsewhere", name: "Elsewhere", members: ["carol"] });
    });
    app = await startApp(cfg, { env: testEnv(), roles: ["worker"] });
    web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, {}));
    alice = (await createToken(app.rt.deps.db, "alice", ["cases:read", "cases:write"]))!.token;
    carol = (await createToken(app.rt.deps.db, "carol", ["cases:read", "cases:write"]))!.token;
  });
  afterAll(async () => {
    await web?.close();
    await app?.close();
  });

  it("serves its OpenAPI document and refuses a request without a token", async () => {
    const doc = await web.inject({ method: "GET", url: "/api/v1/openapi.json" });
    expect(doc.statusCode).toBe(200);
    expect(doc.json()).toMatchObject({ openapi: expect.stringMatching(/^3\.1/) });
    const anonymous = await web.inject({ method: "GET", url: "/api/v1/cases/1" });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers["content-type"]).toContain("application/problem+json");
  });

  it("opens a case for a phone call, answers the customer, and hides the case from an agent of another team", async () => {
    const customer = `vip-${id}@customer.test`;
    const created = await web.inject({
      method: "POST",
      url: "/api/v1/cases",
      headers: { authorization: `Bearer ${alice}`, "idempotency-key": `k-${id}` },
      payload: { requester: { email: customer }, subject: "Phone: VPN down", description: "Called at 9:10, VPN down since the morning.", origin: "PHONE", team: "vip-desk" },
    });
    expect(created.statusCode, created.body).toBe(201);
    const number = (created.json() as { number: number }).number;
    const answer = await web.inject({
      method: "POST",
      url: `/api/v1/cases/${number}/posts`,
      headers: { authorization: `Bearer ${alice}`, "idempotency-key": `p-${id}` },
      payload: { visibility: "PUBLIC", body: "We restarted the VPN gateway; please try again." },
    });
    expect(answer.statusCode, answer.body).toBe(201);
    await waitForMail(customer, (m) => m.text?.includes("We restarted the VPN gateway") ?? false, "the API answer in the customer's mailbox", 60_000);
    expect((await web.inject({ method: "GET", url: `/api/v1/cases/${number}`, headers: { authorization: `Bearer ${alice}` } })).statusCode).toBe(200);
    const hidden = await web.inject({ method: "GET", url: `/api/v1/cases/${number}`, headers: { authorization: `Bearer ${carol}` } });
    const missing = await web.inject({ method: "GET", url: `/api/v1/cases/999999`, headers: { authorization: `Bearer ${carol}` } });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json()).toEqual({ ...(missing.json() as object), detail: expect.any(String) });
  }, 120_000);
});

/**
 * Per-token rate limits on /api/v1, counted in Redis: over the limit a token gets 429 as a problem with
 * Retry-After, while another token from the same address goes on; two web processes share one count.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiPlugin } from "../../src/api/plugin.ts";
import { createToken } from "../../src/api/tokens.ts";
import { opsDepsOf } from "../../src/pipeline/case-effects.ts";
import { labConfig, rand, startApp, type App } from "../support/harness.ts";

describe("API rate limits per token", () => {
  const id = rand();
  let app: App;
  const web: FastifyInstance[] = [];
  let alice = "";
  let bob = "";

  beforeAll(async () => {
    app = await startApp(labConfig(id), { roles: [] });
    // Two "web processes" sharing Redis, as in production.
    for (let i = 0; i < 2; i++) {
      const http = Fastify();
      await http.register(apiPlugin, {
        prefix: "/api/v1",
        ops: opsDepsOf(app.rt.deps),
        rateLimit: { perMinute: 5, redis: app.rt.redis, redisPrefix: `rl-${id}` },
      });
      await http.ready();
      web.push(http);
    }
    alice = (await createToken(app.rt.deps.db, "alice", ["cases:read"]))!.token;
    bob = (await createToken(app.rt.deps.db, "bob", ["cases:read"]))!.token;
  });
  afterAll(async () => {
    for (const w of web) await w.close();
    await app?.close();
  });

  const list = (i: number, token: string) => web[i]!.inject({ method: "GET", url: "/api/v1/cases", headers: { authorization: `Bearer ${token}` } });

  it("answers 429 with Retry-After once a token used its minute, across processes, and only for that token", async () => {
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await list(i % 2, alice)).statusCode);
    expect(codes).toEqual([200, 200, 200, 200, 200]);
    const over = await list(0, alice);
    expect(over.statusCode).toBe(429);
    expect(over.headers["content-type"]).toContain("application/problem+json");
    expect(Number(over.headers["retry-after"])).toBeGreaterThan(0);
    expect(Number(over.headers["retry-after"])).toBeLessThanOrEqual(60);
    expect(over.json()).toMatchObject({ status: 429, title: "Too many requests" });
    expect((await list(1, alice)).statusCode).toBe(429);
    // Same client address, another token: its own count.
    expect((await list(0, bob)).statusCode).toBe(200);
  });

  it("counts requests without a token by address", async () => {
    const anon: number[] = [];
    for (let i = 0; i < 6; i++) anon.push((await web[1]!.inject({ method: "GET", url: "/api/v1/cases" })).statusCode);
    expect(anon).toEqual([401, 401, 401, 401, 401, 429]);
  });
});

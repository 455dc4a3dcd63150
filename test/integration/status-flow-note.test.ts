/**
 * A status flow that requires an internal note (issue 13) is satisfiable without mail: the API's change route
 * and `mailcase case set --note` carry the note, which becomes an internal post. Without one the change is
 * refused with a problem detail naming `note`, and nothing changes.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../../src/api/tokens.ts";
import { webOptions } from "../../src/app/runtime.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { runCli } from "../support/cli.ts";
import { labConfig, rand, startApp, testEnv, type App } from "../support/harness.ts";

describe("a status flow's required note from the API and the CLI", () => {
  const id = rand();
  let app: App;
  let web: FastifyInstance;
  let token = "";
  const db = () => app.rt.deps.db;
  const cli = (args: string[]) => runCli(app, args);
  const call = (method: "POST" | "PATCH", url: string, payload: object) =>
    web.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, payload: JSON.stringify(payload) });
  const openIncident = async (subject: string): Promise<number> => {
    const res = await call("POST", "/cases", { requester: { email: `pat-${id}@acme.test` }, subject, body: "Server down.", type: "INCIDENT", owner: "alice" });
    expect(res.statusCode, res.body).toBe(201);
    const number = (res.json() as { number: number }).number;
    const moved = await call("PATCH", `/cases/${number}`, { status: "IN_PROGRESS" });
    expect(moved.statusCode, moved.body).toBe(200);
    return number;
  };
  const caseOf = (number: number) => db().case.findUniqueOrThrow({ where: { number }, include: { posts: { orderBy: { id: "asc" } } } });

  beforeAll(async () => {
    app = await startApp(
      labConfig(id, (doc) => {
        doc.statusFlows = { INCIDENT: { require: [{ to: "RESOLVED", fields: [], internalNote: true }] } };
      }),
      { env: testEnv(), roles: ["worker"] },
    );
    web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, {}));
    token = (await createToken(db(), "alice", ["cases:read", "cases:write"]))!.token;
  }, 120_000);
  afterAll(async () => {
    await web?.close();
    await app?.close();
  });

  it("API: refuses resolving without a note with a problem detail naming note, and resolves with one", async () => {
    const number = await openIncident(`API incident ${id}`);
    const refused = await call("PATCH", `/cases/${number}`, { status: "RESOLVED", solution: "Restarted." });
    expect(refused.statusCode).toBeGreaterThanOrEqual(400);
    expect(refused.headers["content-type"]).toContain("application/problem+json");
    const problem = refused.json() as { field?: string; detail?: string };
    expect(problem.field).toBe("note");
    expect(problem.detail).toContain("needs an internal note to go to resolved");
    expect(problem.detail).not.toContain("#internal");
    expect((await caseOf(number)).status).toBe("IN_PROGRESS");

    const done = await call("PATCH", `/cases/${number}`, { status: "RESOLVED", solution: "Restarted.", note: "Root cause: disk full." });
    expect(done.statusCode, done.body).toBe(200);
    const c = await caseOf(number);
    expect(c.status).toBe("RESOLVED");
    const note = c.posts.at(-1)!;
    expect(note).toMatchObject({ visibility: "INTERNAL", body: "Root cause: disk full." });
  });

  it("CLI: `case set --status resolved --note` satisfies the flow, and without --note it is refused naming note", async () => {
    const number = await openIncident(`CLI incident ${id}`);
    const refused = await cli(["case", "set", String(number), "--as", "alice", "--status", "resolved", "--solution", "Replaced the disk."]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("note");
    expect(refused.stderr).toContain("needs an internal note");
    expect((await caseOf(number)).status).toBe("IN_PROGRESS");

    const done = await cli(["case", "set", String(number), "--as", "alice", "--status", "resolved", "--solution", "Replaced the disk.", "--note", "Disk was 9 years old."]);
    expect(done.code, done.stderr).toBe(0);
    const c = await caseOf(number);
    expect(c.status).toBe("RESOLVED");
    expect(c.posts.at(-1)).toMatchObject({ visibility: "INTERNAL", body: "Disk was 9 years old." });
  });
});

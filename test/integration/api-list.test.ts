/**
 * GET /api/v1/cases: filters, opaque cursor pagination, and access. The list is a query; what each agent may
 * see is checked against the pure rule (case/access.ts canSeeCase) over every case in the database, so the
 * query and the rule cannot drift apart unnoticed. An agent without a directory sees none of its cases,
 * whatever the filter or text.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiPlugin } from "../../src/api/plugin.ts";
import { createToken } from "../../src/api/tokens.ts";
import { canSeeCase, caseAccessOf } from "../../src/case/access.ts";
import { actingAgentByKey } from "../../src/case/acting-agent.ts";
import { opsDepsOf } from "../../src/pipeline/case-effects.ts";
import { labConfig, rand, startApp, type App } from "../support/harness.ts";

interface Listed {
  number: number;
  subject: string;
  status: string;
  priority: string;
  owner: string | null;
  team: string | null;
  group: string | null;
  account: string | null;
  updatedAt: string;
}
interface Page {
  cases: Listed[];
  nextCursor: string | null;
}

describe("GET /api/v1/cases", () => {
  const id = rand();
  const hidden = `hidden-${id}@partner.test`;
  let app: App;
  let http: FastifyInstance;
  const tokens: Record<string, string> = {};
  const db = () => app.rt.deps.db;
  const get = (who: string, query: string) => http.inject({ method: "GET", url: `/api/v1/cases${query}`, headers: { authorization: `Bearer ${tokens[who]}` } });
  const list = async (who: string, query: string): Promise<Page> => {
    const r = await get(who, query);
    expect(r.statusCode, r.body).toBe(200);
    return r.json<Page>();
  };
  const create = async (who: string, body: object) => {
    const r = await http.inject({ method: "POST", url: "/api/v1/cases", headers: { authorization: `Bearer ${tokens[who]}` }, payload: body });
    expect(r.statusCode, r.body).toBe(201);
    return r.json<{ number: number }>().number;
  };
  const numbers: Record<string, number> = {};

  beforeAll(async () => {
    app = await startApp(
      labConfig(id, (doc) => {
        // The partner directory is open to bob only: dana, in the same team, must not see its cases.
        doc.directories = [{ key: "partners", name: "Partners", access: { agents: ["bob"] } }];
        doc.contacts = [{ email: hidden, name: "Hidden Partner", directory: "partners" }];
      }),
      { roles: [] },
    );
    http = Fastify();
    await http.register(apiPlugin, { prefix: "/api/v1", ops: opsDepsOf(app.rt.deps) });
    await http.ready();
    for (const who of ["alice", "bob", "dana"]) tokens[who] = (await createToken(db(), who, ["cases:read", "cases:write"]))!.token;

    numbers.vip = await create("alice", { requester: { email: `vip-${id}@customer.test` }, subject: `VIP printer ${id}`, description: "The toner is empty." });
    numbers.acme = await create("alice", { requester: { email: `boss-${id}@acme.test` }, subject: `ACME invoice ${id}`, priority: "URGENT" });
    numbers.hidden = await create("bob", { requester: { email: hidden }, subject: `Partner contract ${id}`, description: "confidential printer deal", owner: "bob" });
    for (let i = 0; i < 7; i++) numbers[`std${i}`] = await create("dana", { requester: { email: `c${i}-${id}@customer.test` }, subject: `Standard ${i} ${id}`, priority: i % 2 ? "LOW" : "NORMAL" });
    numbers.unowned = await create("dana", { requester: { email: `u-${id}@customer.test` }, subject: `Nobody's ${id}`, team: "first-line" });
    await db().case.update({ where: { number: numbers.unowned }, data: { ownerId: null } });
    const progressed = await http.inject({ method: "PATCH", url: `/api/v1/cases/${numbers.std3}`, headers: { authorization: `Bearer ${tokens.dana}` }, payload: { status: "IN_PROGRESS" } });
    expect(progressed.statusCode).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await http?.close();
    await app?.close();
  });

  /** Every page of a listing, following nextCursor. */
  async function allPages(who: string, query: string, limit: number): Promise<{ pages: number; cases: Listed[] }> {
    const out: Listed[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const sep = query ? "&" : "?";
      const page: Page = await list(who, `${query}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      out.push(...page.cases);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    return { pages, cases: out };
  }

  it("pages through exactly the cases each agent may see (the pure rule over every case), newest change first", async () => {
    const everything = await db().case.findMany({ include: { contacts: { include: { contact: true } }, area: { select: { id: true, restricted: true } } } });
    for (const who of ["alice", "bob", "dana"]) {
      const agent = (await actingAgentByKey(db(), who))!;
      const expected = everything.filter((c) => canSeeCase(agent, caseAccessOf(c))).map((c) => Number(c.number)).sort((a, b) => a - b);
      const { pages, cases } = await allPages(who, "", 3);
      expect(cases.map((c) => c.number).sort((a, b) => a - b), who).toEqual(expected);
      // A page is fetched with one row more than asked: the last page says so itself (no empty page after it).
      expect(pages, who).toBe(Math.max(1, Math.ceil(expected.length / 3)));
      const times = cases.map((c) => Date.parse(c.updatedAt));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    }
    // The partner directory's case: bob (granted) sees it, dana (same team, no grant) does not.
    expect((await allPages("bob", "", 100)).cases.map((c) => c.number)).toContain(numbers.hidden);
    expect((await allPages("dana", "", 100)).cases.map((c) => c.number)).not.toContain(numbers.hidden);
  });

  it("shows an agent without the directory none of its cases, whatever the filter or text", async () => {
    for (const q of ["?q=partner", "?q=confidential", `?team=first-line`, "?owner=bob", "?status=NEW,ASSIGNED", "?group=standard", ""]) {
      const danas = await list("dana", q);
      expect(danas.cases.map((c) => c.number), q).not.toContain(numbers.hidden);
    }
    expect((await list("bob", "?q=confidential")).cases.map((c) => c.number)).toEqual([numbers.hidden]);
  });

  it("filters by status, priority, owner, team, group, account, text and updatedSince", async () => {
    const nums = (p: Page) => p.cases.map((c) => c.number).sort((a, b) => a - b);
    expect(nums(await list("dana", "?status=in_progress"))).toEqual([numbers.std3]);
    expect((await list("dana", "?priority=LOW")).cases.every((c) => c.priority === "LOW")).toBe(true);
    expect(nums(await list("dana", "?priority=LOW"))).toEqual([numbers.std1, numbers.std3, numbers.std5].sort((a, b) => a! - b!));
    expect(nums(await list("dana", "?owner=none"))).toEqual([numbers.unowned]);
    expect((await list("dana", "?owner=me")).cases.every((c) => c.owner === "dana")).toBe(true);
    expect((await list("alice", "?owner=alice")).cases.length).toBe(2);
    expect((await list("alice", "?team=vip-desk")).cases.every((c) => c.team === "vip-desk")).toBe(true);
    expect(nums(await list("alice", "?group=vip"))).toEqual([numbers.vip, numbers.acme].sort((a, b) => a! - b!));
    expect(nums(await list("alice", "?account=acme"))).toEqual([numbers.acme]);
    expect(nums(await list("alice", "?q=TONER"))).toEqual([numbers.vip]);
    expect(nums(await list("alice", `?q=${encodeURIComponent(`ACME invoice ${id}`)}`))).toEqual([numbers.acme]);

    const since = new Date(Date.now() + 1000).toISOString();
    await new Promise((r) => setTimeout(r, 1100));
    await http.inject({ method: "PATCH", url: `/api/v1/cases/${numbers.std0}`, headers: { authorization: `Bearer ${tokens.dana}` }, payload: { priority: "HIGH" } });
    expect(nums(await list("dana", `?updatedSince=${encodeURIComponent(since)}`))).toEqual([numbers.std0]);
  });

  it("lists SLA at-risk and breached cases by the SLA watch's verdicts on pending targets", async () => {
    const c0 = await db().case.findUniqueOrThrow({ where: { number: numbers.std2 } });
    const c1 = await db().case.findUniqueOrThrow({ where: { number: numbers.std4 } });
    const c2 = await db().case.findUniqueOrThrow({ where: { number: numbers.std6 } });
    expect(c0.resolutionDueAt).not.toBeNull();
    // std2: warned about its resolution target, still ahead. std4: its first response breached (due moved into
    // the past as a late case would be). std6: a warning about a due that no longer holds (e.g. re-prioritised).
    await db().slaEvent.create({ data: { caseId: c0.id, metric: "RESOLUTION", kind: "WARNING", dueAt: c0.resolutionDueAt! } });
    const past = new Date(Date.now() - 3_600_000);
    await db().case.update({ where: { id: c1.id }, data: { firstResponseDueAt: past } });
    await db().slaEvent.createMany({
      data: [
        { caseId: c1.id, metric: "FIRST_RESPONSE", kind: "WARNING", dueAt: past },
        { caseId: c1.id, metric: "FIRST_RESPONSE", kind: "BREACH", dueAt: past },
        { caseId: c2.id, metric: "RESOLUTION", kind: "WARNING", dueAt: new Date(c2.resolutionDueAt!.getTime() - 60_000) },
      ],
    });
    expect((await list("dana", "?sla=at-risk")).cases.map((c) => c.number)).toEqual([numbers.std2]);
    expect((await list("dana", "?sla=breached")).cases.map((c) => c.number)).toEqual([numbers.std4]);
    // Answered: the first response target is met, so the breach is history, not a standing breach.
    await db().case.update({ where: { id: c1.id }, data: { firstRespondedAt: new Date() } });
    expect((await list("dana", "?sla=breached")).cases).toEqual([]);
    // alice may not see the first-line cases: none of them appear for her.
    expect((await list("alice", "?sla=at-risk")).cases).toEqual([]);
  });

  it("refuses bad parameters as problem details naming the parameter", async () => {
    for (const [q, field, status] of [
      ["?status=SOON", "status", 400],
      ["?limit=0", "limit", 400],
      ["?cursor=bm90LWEtY3Vyc29y", "cursor", 400],
      ["?sla=late", "sla", 400],
      ["?updatedSince=yesterday", "updatedSince", 400],
      ["?colour=red", "", 400],
      ["?team=no-such-team", "team", 422],
      ["?account=nope", "account", 422],
    ] as const) {
      const r = await get("dana", q);
      expect(r.statusCode, q).toBe(status);
      expect(r.headers["content-type"]).toContain("application/problem+json");
      if (field) expect(r.json<{ field: string }>().field, q).toBe(field);
    }
  });
});

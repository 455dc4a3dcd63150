/**
 * 64-bit case numbers (issue 13): with the sequence set just below 2^53 - 1, a case opened by mail gets a
 * 16-digit number, carries it in its subject tag, threads the customer's reply back by that tag alone, and shows
 * it unrounded on the portal, the API and the CLI. A tag above 2^53 - 1 (or of 17 digits) is no tag: the mail
 * opens a new case instead of landing on a neighbouring one, and the API and CLI refuse such a number.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../../src/api/tokens.ts";
import { webOptions } from "../../src/app/runtime.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { runCli } from "../support/cli.ts";
import { inbox, labConfig, rand, sendMail, startApp, testEnv, waitFor, waitForMail, type App } from "../support/harness.ts";
import { signIn } from "../support/portal.ts";
const BIG = 9007199254740000;

describe("16-digit case numbers", () => {
  const id = rand();
  const pat = `pat-${id}@acme.test`;
  let app: App;
  let web: FastifyInstance;
  let token = "";
  const db = () => app.rt.deps.db;
  const cli = (args: string[]) => runCli(app, args);
  const caseOf = (messageId: string) =>
    waitFor(async () => (await db().inboundMessage.findFirst({ where: { messageId, caseId: { not: null } }, include: { case: true } }))?.case, `case of ${messageId}`);
  const api = (url: string) => web.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    const cfg = labConfig(id, (doc) => {
      (doc.contacts as unknown[]).push({ email: pat, name: "Pat Smith", account: "acme", portal: true });
      doc.portals = [{ key: "customers", path: "/portal", name: "Test portal" }];
    });
    app = await startApp(cfg, { env: testEnv(), roles: ["worker", "poller"] });
    web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, { publicUrl: "http://127.0.0.1:8080", pageRatePerMinute: 1_000_000 }));
    // The next case gets BIG (startApp truncated the tables with RESTART IDENTITY, so this file owns the sequence).
    await db().$executeRawUnsafe(`SELECT setval(pg_get_serial_sequence('"Case"', 'number'), ${BIG - 1})`);
    token = (await createToken(db(), "alice", ["cases:read"]))!.token;
  }, 120_000);
  afterAll(async () => {
    await web?.close();
    await app?.close();
  });

  let openingId = "";

  it("opens a case by mail with the 16-digit number in its tag, and threads the reply back by the tag alone", async () => {
    openingId = await sendMail({ from: `"Pat Smith" <${pat}>`, to: app.support, subject: `Scanner jammed ${id}`, text: "The scanner is jammed." });
    const c = await caseOf(openingId);
    expect(c.number).toBe(BigInt(BIG));
    const ack = await waitForMail(pat, (m) => m.subject === `[MC-${BIG}] Scanner jammed ${id}`, "acknowledgement with the 16-digit tag");
    expect(ack.text).toContain(`MC-${BIG}`);

    // No In-Reply-To or References: only the subject tag can thread it.
    const replyId = await sendMail({ from: pat, to: app.support, subject: `Re: [MC-${BIG}] Scanner jammed ${id}`, text: "Still jammed." });
    const replied = await caseOf(replyId);
    expect(replied.id).toBe(c.id);
    const post = await db().post.findFirstOrThrow({ where: { inbound: { messageId: replyId } } });
    expect(post.threadRule).toBe("subject-tag");
    expect(await db().case.count()).toBe(1);
  });

  it("does not read a tag above 2^53 - 1 or of 17 digits as a case: such mail opens a case of its own", async () => {
    for (const tag of ["9007199254740993", "90071992547400001"]) {
      const msgId = await sendMail({ from: pat, to: app.support, subject: `Re: [MC-${tag}] Scanner jammed ${id}`, text: "Rounded?" });
      const c = await caseOf(msgId);
      expect(c.number).not.toBe(BigInt(BIG));
      expect(c.number > BigInt(BIG)).toBe(true);
    }
  });

  it("shows the exact number on the API and refuses one above 2^53 - 1 with a problem detail", async () => {
    const got = await api(`/api/v1/cases/${BIG}`);
    expect(got.statusCode, got.body).toBe(200);
    expect(got.body).toContain(`"number":${BIG}`);
    expect((got.json() as { number?: number; case?: { number: number } }).case?.number ?? (got.json() as { number: number }).number).toBe(BIG);
    const list = await api(`/api/v1/cases?limit=10`);
    expect(list.statusCode, list.body).toBe(200);
    expect(list.body).toContain(`"number":${BIG}`);
    const tooBig = await api(`/api/v1/cases/9007199254740993`);
    expect(tooBig.statusCode).toBe(400);
    expect(tooBig.body).toContain("number");
  });

  it("shows the exact number on the portal", async () => {
    const browser = await signIn(web, db(), pat);
    const page = await browser.get(`/portal/cases/${BIG}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`MC-${BIG}`);
    expect(page.body).toContain(`Scanner jammed ${id}`);
    const listing = await browser.get(`/portal/cases`);
    expect(listing.body).toContain(`/portal/cases/${BIG}`);
    expect((await browser.get(`/portal/cases/9007199254740993`)).statusCode).toBe(404);
  });

  it("shows and changes the case from the CLI by its 16-digit number, and refuses a larger one", async () => {
    const shown = await cli(["case", `MC-${BIG}`, "--json"]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`"number": ${BIG}`);
    expect((JSON.parse(shown.stdout) as { tag: string }).tag).toBe(`MC-${BIG}`);
    const set = await cli(["case", "set", String(BIG), "--as", "alice", "--priority", "high"]);
    expect(set.code, set.stderr).toBe(0);
    expect((await db().case.findUniqueOrThrow({ where: { number: BIG } })).priority).toBe("HIGH");
    const tooBig = await cli(["case", "9007199254740993"]);
    expect(tooBig.code).not.toBe(0);
    expect(tooBig.stderr).toContain("at most 9007199254740991");
    expect((await inbox(pat)).every((m) => !m.subject?.includes("9007199254740992"))).toBe(true);
  });
});

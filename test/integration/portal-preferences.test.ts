/**
 * The portal's preferences page and its effect on mail: a follower who chose "only agents' answers" or "none"
 * gets no update mail about another customer's post, "every update" does, and the mail comes in the language
 * chosen there. Only the two preference fields are read from the form; bad values are refused naming the field.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webOptions } from "../../src/app/runtime.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { labConfig, rand, startApp, testEnv, waitFor, type App } from "../support/harness.ts";
import { Browser, createCase, lastSignInMailId, pageText, signIn, signInMail } from "../support/portal.ts";

const id = rand();
const pat = `pat-${id}@acme.test`;
const sam = `sam-${id}@acme.test`;
let app: App;
let web: FastifyInstance;
let shared: { id: number; number: number };
let patB: Browser;
let samB: Browser;

beforeAll(async () => {
  const cfg = labConfig(id, (doc) => {
    (doc.contacts as unknown[]).push({ email: pat, name: "Pat Smith", account: "acme", portal: true }, { email: sam, name: "Sam Jones", account: "acme", portal: true });
    doc.portals = [{ key: "customers", path: "/portal", name: "Test portal" }];
  });
  app = await startApp(cfg, { env: testEnv({ MAILCASE_PORTAL_URL: "http://127.0.0.1:8080/portal" }), roles: ["worker"] });
  web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, { publicUrl: "http://127.0.0.1:8080", pageRatePerMinute: 1_000_000 }));
  const db = app.rt.deps.db;
  const patId = (await db.contact.findUniqueOrThrow({ where: { email: pat } })).id;
  const samId = (await db.contact.findUniqueOrThrow({ where: { email: sam } })).id;
  shared = await createCase(db, { subject: "Shared printer", accountId: (await db.account.findUniqueOrThrow({ where: { key: "acme" } })).id, requester: patId, cc: [samId], posts: [{ visibility: "PUBLIC", body: "It jams", authorContactId: patId }] });
  await db.follower.createMany({ data: [{ caseId: shared.id, contactId: samId, reason: "portal" }] });
  patB = await signIn(web, db, pat);
  samB = await signIn(web, db, sam);
}, 120_000);

afterAll(async () => {
  await web?.close();
  await app?.close();
});

async function setPreferences(notify: string, language: string) {
  const res = await samB.submit("/portal/preferences", "/portal/preferences", { notify, language });
  expect(res.statusCode, res.body).toBe(303);
}

/** Pat replies on the shared case; resolves once the notify stage has planned the post. */
async function patReplies(text: string): Promise<number> {
  const db = app.rt.deps.db;
  const url = `/portal/cases/${shared.number}`;
  expect((await patB.submit(url, `${url}/reply`, { text })).statusCode).toBe(303);
  const post = await db.post.findFirstOrThrow({ where: { caseId: shared.id, body: text } });
  await waitFor(async () => (await db.post.findUniqueOrThrow({ where: { id: post.id } })).notifiedAt !== null, "notification planning");
  return post.id;
}

describe("preferences page", () => {
  it("shows the current choice, saves notify and language, and refuses bad values naming the field", async () => {
    const page = await samB.get("/portal/preferences");
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/id="notify-all" name="notify" value="all" checked/);
    await setPreferences("agents", "pl");
    const after = await samB.get("/portal/preferences?saved=1");
    expect(pageText(after.body)).toContain("Preferencje zostały zapisane.");
    expect(after.body).toContain('<html lang="pl">');
    expect(after.body).toMatch(/id="notify-agents" name="notify" value="agents" checked/);
    const c = await app.rt.deps.db.contact.findUniqueOrThrow({ where: { email: sam } });
    expect(c).toMatchObject({ notifyPreference: "agents", locale: "pl" });
    const bad = await samB.submit("/portal/preferences", "/portal/preferences", { notify: "spam-me", language: "xx" });
    expect(bad.statusCode).toBe(400);
    expect(pageText(bad.body)).toContain("notify:");
    expect(pageText(bad.body)).toContain("language:");
    expect(await app.rt.deps.db.contact.findUniqueOrThrow({ where: { email: sam } })).toMatchObject({ notifyPreference: "agents", locale: "pl" });
    // Without the form token nothing changes.
    expect((await samB.request("POST", "/portal/preferences", { notify: "none", language: "en" })).statusCode).toBe(403);
  });
});

describe("applied to mail", () => {
  it("every update: mailed, in the chosen language; only agents' answers and none: no mail about a customer's post", async () => {
    const db = app.rt.deps.db;
    await setPreferences("all", "cs");
    const first = await patReplies(`first ${id}`);
    const mail = await waitFor(() => db.outboundMail.findFirst({ where: { postId: first, toAddress: sam, kind: "UPDATE" } }), "update mail to sam");
    expect(mail.text).toContain("Příspěvek od"); // Czech template
    // Its case link carries no token, only the address: signed out, it leads to sign-in with the address
    // filled in, and signing in lands on the case (deep link kept).
    const link = /http:\/\/\S+\/cases\/\d+\S*/.exec(mail.text)![0];
    expect(link).toBe(`http://127.0.0.1:8080/portal/cases/${shared.number}?email=${encodeURIComponent(sam)}`);
    const fresh = new Browser(web);
    const toSignIn = await fresh.get(new URL(link).pathname + new URL(link).search);
    expect(toSignIn.statusCode).toBe(303);
    const signInUrl = String(toSignIn.headers.location);
    expect(signInUrl).toBe(`/portal/sign-in?returnTo=${encodeURIComponent(`/cases/${shared.number}`)}&email=${encodeURIComponent(sam)}`);
    const form = await fresh.get(signInUrl);
    expect(form.body).toContain(`value="${sam}"`);
    expect(form.body).toContain(`name="returnTo" value="/cases/${shared.number}"`);
    const after = await lastSignInMailId(db);
    await fresh.submit(signInUrl, "/portal/sign-in", { email: sam, returnTo: `/cases/${shared.number}` });
    const signInMailFor = await signInMail(db, sam, after);
    expect((await fresh.submit(signInMailFor.link, signInMailFor.link)).headers.location).toBe(`/portal/cases/${shared.number}`);
    // Pat, the author, is not mailed their own post.
    expect(await db.outboundMail.count({ where: { postId: first, toAddress: pat } })).toBe(0);

    await setPreferences("agents", "cs");
    const second = await patReplies(`second ${id}`);
    await setPreferences("none", "cs");
    const third = await patReplies(`third ${id}`);
    expect(await db.outboundMail.count({ where: { postId: { in: [second, third] }, toAddress: sam } })).toBe(0);
  });
});

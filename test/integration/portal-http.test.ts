/**
 * The customer portal over HTTP (Fastify inject) against the real services: sign-in by link and by code
 * (expired, reused, foreign, rate-limited), sessions, CSRF and origin refusal, the case list and case page,
 * and IDOR: every case number and attachment id outside the user's scope answers exactly like one that does
 * not exist. The sign-in mail goes through the real send queue into the lab mailbox.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webOptions } from "../../src/app/runtime.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { labConfig, rand, sendMail, startApp, testEnv, waitFor, waitForMail, type App } from "../support/harness.ts";
import { Browser, createCase, lastSignInMailId, pageText, signIn, signInMail } from "../support/portal.ts";

const id = rand();
const pat = `pat-${id}@acme.test`; // manager at ACME: sees every ACME case
const sam = `sam-${id}@acme.test`; // ACME, no role: own cases only
const eve = `eve-${id}@globex.test`; // another company
const nop = `nop-${id}@acme.test`; // a contact without portal access

let app: App;
let web: FastifyInstance;
const ids: Record<string, number> = {};
let cases: Record<"patOwn" | "samOwn" | "acmeOther" | "globex" | "internalAcme" | "samWaiting" | "samClosed", { id: number; number: number; postIds: number[]; attachmentIds: number[] }>;

beforeAll(async () => {
  const cfg = labConfig(id, (doc) => {
    (doc.accounts as unknown[]).push({ key: "globex", name: "Globex", domains: ["globex.test"] });
    (doc.contacts as unknown[]).push(
      { email: pat, name: "Pat Smith", account: "acme", portal: true, portalRole: "manager" },
      { email: sam, name: "Sam Jones", account: "acme", portal: true },
      { email: eve, name: "Eve Globex", account: "globex", portal: true, locale: "cs" },
      { email: nop, name: "No Portal", account: "acme" },
    );
    doc.portals = [
      { key: "customers", path: "/portal", name: "Test portal", exposure: { match: "any", rules: [{ field: "account", equals: "contact.account", role: "manager" }] } },
      { key: "partners", path: "/partners", name: "Partner portal", languages: ["en", "cs"] },
    ];
  });
  app = await startApp(cfg, { env: testEnv(), roles: ["worker", "poller"] });
  // Every request here comes from one IP and signs the same people in many times: lift the limits for this
  // app; the limits themselves are tested on an app of their own below.
  web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, { publicUrl: "http://127.0.0.1:8080", signInLimits: { perIpPerHour: 10_000, globalPerHour: 10_000, perAddress15Min: 1000, perAddressDay: 1000 }, pageRatePerMinute: 1_000_000 }));
  const db = app.rt.deps.db;
  for (const c of await db.contact.findMany()) ids[c.email] = c.id;
  const acme = (await db.account.findUniqueOrThrow({ where: { key: "acme" } })).id;
  const globex = (await db.account.findUniqueOrThrow({ where: { key: "globex" } })).id;
  const alice = (await db.agent.findUniqueOrThrow({ where: { key: "alice" } })).id;
  cases = {
    patOwn: await createCase(db, {
      subject: "Printer on fire",
      accountId: acme,
      requester: ids[pat]!,
      posts: [
        { visibility: "PUBLIC", body: "Our printer <script>alert(1)</script> is on fire", authorContactId: ids[pat]!, attachments: [{ filename: "photo.txt", data: "smoke" }] },
        { visibility: "INTERNAL", body: "SECRET internal note: customer is difficult", authorAgentId: alice, attachments: [{ filename: "internal.txt", data: "internal only" }] },
        { visibility: "PUBLIC", body: "We are sending a technician.", authorAgentId: alice },
        { visibility: "PRIVATE", body: "Private note for Pat only", authorAgentId: alice, addresseeContactId: ids[pat]! },
        { visibility: "PRIVATE", body: "Private note for Sam only", authorAgentId: alice, addresseeContactId: ids[sam]!, attachments: [{ filename: "sam.txt", data: "for sam" }] },
      ],
    }),
    samOwn: await createCase(db, { subject: "Sam's laptop", accountId: acme, requester: ids[sam]!, posts: [{ visibility: "PUBLIC", body: "Laptop will not boot, error kumquat", authorContactId: ids[sam]! }] }),
    acmeOther: await createCase(db, { subject: "ACME network down", accountId: acme, requester: ids[nop]!, posts: [{ visibility: "PUBLIC", body: "Network", authorContactId: ids[nop]!, attachments: [{ filename: "net.txt", data: "net" }] }] }),
    globex: await createCase(db, { subject: "Globex secret merger", accountId: globex, requester: ids[eve]!, posts: [{ visibility: "PUBLIC", body: "Merger", authorContactId: ids[eve]!, attachments: [{ filename: "merger.pdf", data: "%PDF merger" }] }] }),
    internalAcme: await createCase(db, { subject: "Hidden ACME case", accountId: acme, requester: ids[pat]!, internal: true, posts: [{ visibility: "PUBLIC", body: "hidden", authorContactId: ids[pat]!, attachments: [{ filename: "hidden.txt", data: "hidden" }] }] }),
    samWaiting: await createCase(db, { subject: "Need your logs", accountId: acme, requester: ids[sam]!, status: "WAITING_ON_CUSTOMER", posts: [{ visibility: "INTERNAL", body: "internal-only-word zebra", authorAgentId: alice }] }),
    samClosed: await createCase(db, { subject: "Old closed thing", accountId: acme, requester: ids[sam]!, status: "CLOSED" }),
  };
}, 120_000);

afterAll(async () => {
  await web?.close();
  await app?.close();
});

describe("sign-in", () => {
  it("answers known, unknown and non-portal addresses the same, and mails only the portal user (automatic mail)", async () => {
    const b = new Browser(web);
    const db = app.rt.deps.db;
    const before = await lastSignInMailId(db);
    const known = await b.submit("/portal/sign-in", "/portal/sign-in", { email: sam });
    const unknown = await b.submit("/portal/sign-in", "/portal/sign-in", { email: `nobody-${id}@acme.test` });
    const noPortal = await b.submit("/portal/sign-in", "/portal/sign-in", { email: nop });
    expect(known.statusCode).toBe(200);
    const strip = (body: string, email: string) => pageText(body).replaceAll(email, "EMAIL");
    expect(strip(unknown.body, `nobody-${id}@acme.test`)).toBe(strip(known.body, sam));
    expect(strip(noPortal.body, nop)).toBe(strip(known.body, sam));
    const mail = await signInMail(db, sam, before);
    expect(mail.headers).toMatchObject({ "Auto-Submitted": "auto-generated" });
    // Give the background request a moment, then: nothing was written for the others.
    await new Promise((r) => setTimeout(r, 500));
    expect(await db.outboundMail.count({ where: { kind: "SIGN_IN", toAddress: { in: [`nobody-${id}@acme.test`, nop] } } })).toBe(0);
    // It really leaves through the send queue, marked automatic.
    const delivered = await waitForMail(sam, (m) => /sign-in code/.test(m.subject ?? ""), "sign-in mail");
    expect(delivered.headers.get("auto-submitted")).toBe("auto-generated");
    expect(delivered.text).toContain(mail.code);
  });

  it("link: GET only shows a button (a scanner does not use it up); POST signs in once; a second use is refused", async () => {
    const db = app.rt.deps.db;
    const b = new Browser(web);
    const after = await lastSignInMailId(db);
    await b.submit("/portal/sign-in", "/portal/sign-in", { email: pat });
    const mail = await signInMail(db, pat, after);
    const scanner = new Browser(web);
    expect((await scanner.get(mail.link)).statusCode).toBe(200);
    expect((await scanner.get(mail.link)).body).toContain("Confirm sign-in");
    const done = await b.submit(mail.link, mail.link);
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe("/portal/cases");
    const cookie = String(done.headers["set-cookie"]).split(/,(?=\s*\w+=)/).find((c) => c.trim().startsWith("mc_customers="));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect((await b.get("/portal/cases")).statusCode).toBe(200);
    const again = await scanner.submit(mail.link, mail.link);
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain("expired or was already used");
    expect(scanner.cookies.has("mc_customers")).toBe(false);
    // "New sign-in" mail to the user.
    await waitFor(() => db.outboundMail.findFirst({ where: { kind: "SIGN_IN", toAddress: pat, subject: { startsWith: "New sign-in" } } }), "new sign-in alert");
  });

  it("refuses expired links, links of another portal, and made-up tokens", async () => {
    const db = app.rt.deps.db;
    const b = new Browser(web);
    let after = await lastSignInMailId(db);
    await b.submit("/portal/sign-in", "/portal/sign-in", { email: eve });
    const expired = await signInMail(db, eve, after);
    await db.portalSignIn.updateMany({ where: { contactId: ids[eve]!, usedAt: null }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await b.submit(expired.link, expired.link)).statusCode).toBe(400);

    after = await lastSignInMailId(db);
    await b.submit("/partners/sign-in", "/partners/sign-in", { email: eve });
    const partners = await signInMail(db, eve, after);
    expect(partners.link.startsWith("/partners/")).toBe(true);
    const foreign = partners.link.replace("/partners/", "/portal/");
    expect((await b.submit(foreign, foreign)).statusCode).toBe(400);
    // Still valid where it belongs: refusing it elsewhere did not use it up.
    expect((await b.submit(partners.link, partners.link)).statusCode).toBe(303);

    const madeUp = `/portal/sign-in/${"A".repeat(43)}`;
    expect((await b.submit(madeUp, madeUp)).statusCode).toBe(400);
  });

  it("code: the right code signs in once; 5 wrong codes kill the request", async () => {
    const db = app.rt.deps.db;
    const b = new Browser(web);
    let after = await lastSignInMailId(db);
    await b.submit("/portal/sign-in", "/portal/sign-in", { email: sam });
    let mail = await signInMail(db, sam, after);
    const ok = await b.submit("/portal/sign-in", "/portal/sign-in/code", { email: sam, code: mail.code });
    expect(ok.statusCode).toBe(303);
    const other = new Browser(web);
    expect((await other.submit("/portal/sign-in", "/portal/sign-in/code", { email: sam, code: mail.code })).statusCode).toBe(400);
    // The link of a request whose code was used is dead too.
    expect((await other.submit(mail.link, mail.link)).statusCode).toBe(400);

    await db.portalSignIn.updateMany({ where: { contactId: ids[sam]! }, data: { usedAt: new Date() } });
    after = await lastSignInMailId(db);
    await other.submit("/portal/sign-in", "/portal/sign-in", { email: sam });
    mail = await signInMail(db, sam, after);
    const wrong = mail.code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) expect((await other.submit("/portal/sign-in", "/portal/sign-in/code", { email: sam, code: wrong })).statusCode).toBe(400);
    const late = await other.submit("/portal/sign-in", "/portal/sign-in/code", { email: sam, code: mail.code });
    expect(late.statusCode).toBe(400);
    expect(late.body).toContain("not valid");
  });

  it("at most 3 live requests per address; per-address limit sends nothing (same answer); per-IP limit answers 429", async () => {
    const db = app.rt.deps.db;
    const email = `portal-${id}@customer.test`;
    const b = new Browser(web);
    for (let i = 0; i < 5; i++) expect((await b.submit("/portal/sign-in", "/portal/sign-in", { email })).statusCode).toBe(200);
    await waitFor(async () => (await db.portalSignIn.count({ where: { contactId: ids[email]! } })) === 3, "3 sign-in requests");
    await new Promise((r) => setTimeout(r, 500));
    expect(await db.portalSignIn.count({ where: { contactId: ids[email]! } })).toBe(3);

    await db.portalSignIn.deleteMany({ where: { contactId: ids[email]! } });
    const strict = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, { publicUrl: "http://127.0.0.1:8080", redisPrefix: `rl-${rand()}`, signInLimits: { perIpPerHour: 4, globalPerHour: 100, perAddress15Min: 2, perAddressDay: 10 } }));
    try {
      const c = new Browser(strict, {});
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await c.submit("/portal/sign-in", "/portal/sign-in", { email })).statusCode);
      expect(codes).toEqual([200, 200, 200, 200, 429]);
      await new Promise((r) => setTimeout(r, 500));
      expect(await db.portalSignIn.count({ where: { contactId: ids[email]! } })).toBe(2);
    } finally {
      await strict.close();
    }
  });

  it("a reply to the sign-in mail never opens a case", async () => {
    const db = app.rt.deps.db;
    const row = await db.outboundMail.findFirstOrThrow({ where: { kind: "SIGN_IN", toAddress: sam }, orderBy: { id: "asc" } });
    const casesBefore = await db.case.count();
    const mid = await sendMail({ from: sam, to: app.support, subject: `Re: ${row.subject}`, text: "I did not ask for this", inReplyTo: `<${row.messageId}>`, references: [`<${row.messageId}>`] });
    const inbound = await waitFor(() => db.inboundMessage.findFirst({ where: { messageId: mid, status: { not: "PENDING" } } }), "reply to be processed");
    expect(inbound.status).toBe("QUARANTINED");
    expect(inbound.reason).toContain("sign-in mail");
    expect(await db.case.count()).toBe(casesBefore);
  });
});

describe("CSRF and origin", () => {
  it("refuses a state-changing POST without the form token, with a wrong one, and from another site", async () => {
    const b = await signIn(web, app.rt.deps.db, pat);
    const noToken = await b.request("POST", "/portal/sign-out-everywhere", { x: "1" });
    expect(noToken.statusCode).toBe(403);
    const forged = await b.request("POST", "/portal/sign-out-everywhere", { _csrf: "forged-token" });
    expect(forged.statusCode).toBe(403);
    const token = await b.csrf("/portal/account");
    const crossSite = await b.request("POST", "/portal/sign-out-everywhere", { _csrf: token }, { "sec-fetch-site": "cross-site" });
    expect(crossSite.statusCode).toBe(403);
    const otherOrigin = await b.request("POST", "/portal/sign-out-everywhere", { _csrf: token }, { origin: "https://evil.example" });
    expect(otherOrigin.statusCode).toBe(403);
    // None of them signed anybody out.
    expect((await b.get("/portal/cases")).statusCode).toBe(200);
    // The sign-in form is protected too (no login CSRF).
    expect((await new Browser(web).request("POST", "/portal/sign-in", { email: pat })).statusCode).toBe(403);
  });
});

describe("my cases and the case page", () => {
  it("lists own cases plus, for a manager, the company's; never another company's or internal cases", async () => {
    const patB = await signIn(web, app.rt.deps.db, pat);
    const list = await patB.get("/portal/cases?filter=all");
    expect(list.statusCode).toBe(200);
    for (const s of ["Printer on fire", "Sam&#x27;s laptop", "ACME network down", "Need your logs", "Old closed thing"]) expect(list.body).toContain(s);
    expect(list.body).not.toContain("Globex secret merger");
    expect(list.body).not.toContain("Hidden ACME case");

    const samB = await signIn(web, app.rt.deps.db, sam);
    const samList = await samB.get("/portal/cases?filter=all");
    expect(samList.body).toContain("Sam&#x27;s laptop");
    expect(samList.body).not.toContain("Printer on fire");
    expect(samList.body).not.toContain("ACME network down");
  });

  it("filters open / waiting on me / closed, and searches subjects and public posts only", async () => {
    const b = await signIn(web, app.rt.deps.db, sam);
    const open = (await b.get("/portal/cases")).body;
    expect(open).toContain("Need your logs");
    expect(open).not.toContain("Old closed thing");
    const waiting = (await b.get("/portal/cases?filter=waiting")).body;
    expect(waiting).toContain("Need your logs");
    expect(waiting).not.toContain("Sam&#x27;s laptop");
    expect(waiting).toContain("Waiting for your reply");
    const closed = (await b.get("/portal/cases?filter=closed")).body;
    expect(closed).toContain("Old closed thing");
    expect(closed).not.toContain("Need your logs");
    const search = (await b.get("/portal/cases?filter=all&q=kumquat")).body;
    expect(search).toContain("Sam&#x27;s laptop");
    expect(search).not.toContain("Need your logs");
    // A word only in an internal note finds nothing.
    expect((await b.get("/portal/cases?filter=all&q=zebra")).body).toContain("No cases here.");
  });

  it("case page: public stream oldest first, agent names not addresses, own private posts only, never internal, hostile text escaped", async () => {
    const b = await signIn(web, app.rt.deps.db, pat);
    const res = await b.get(`/portal/cases/${cases.patOwn.number}`);
    expect(res.statusCode).toBe(200);
    const body = res.body;
    expect(body).toContain("Printer on fire");
    expect(body.indexOf("is on fire")).toBeLessThan(body.indexOf("We are sending a technician"));
    expect(body).toContain("Alice Novak");
    expect(body).not.toContain(`alice-${id}@helpdesk.test`);
    expect(body).toContain("Private note for Pat only");
    expect(body).not.toContain("Private note for Sam only");
    expect(body).not.toContain("SECRET internal note");
    expect(body).not.toContain("internal.txt");
    expect(body).not.toContain("sam.txt");
    expect(body).not.toContain("<script>alert(1)</script>");
    expect(body).toContain("&lt;script&gt;");
    expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(res.headers["content-security-policy"]).not.toContain("upgrade-insecure-requests");
  });

  it("downloads a visible attachment by its id, as a download, never sniffed", async () => {
    const b = await signIn(web, app.rt.deps.db, pat);
    const res = await b.get(`/portal/attachments/${cases.patOwn.attachmentIds[0]}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe("smoke");
    expect(res.headers["content-disposition"]).toMatch(/^attachment; filename="photo.txt"/);
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["content-type"]).toBe("application/octet-stream");
  });
});

describe("IDOR: out of scope is indistinguishable from nonexistent", () => {
  it.each(["sam", "pat"] as const)("%s: every other case number and attachment id answers the same 404 as one that does not exist", async (who) => {
    const db = app.rt.deps.db;
    const b = await signIn(web, db, who === "sam" ? sam : pat);
    // Sam sees his own cases; Pat (manager) every ACME case that is not internal.
    const visibleCases = new Set(
      who === "sam"
        ? [cases.samOwn.number, cases.samWaiting.number, cases.samClosed.number]
        : [cases.patOwn.number, cases.samOwn.number, cases.acmeOther.number, cases.samWaiting.number, cases.samClosed.number],
    );
    const visibleAttachments = new Set(who === "sam" ? [] : [cases.patOwn.attachmentIds[0], cases.acmeOther.attachmentIds[0]]);
    // The page names its own URL (language switcher): compare with the URL blanked out.
    const fetchPage = async (url: string) => {
      const res = await b.get(url);
      return { status: res.statusCode, text: pageText(res.body).replaceAll(url, "URL") };
    };
    const missing = await fetchPage("/portal/cases/99999999");
    const missingAttachment = await fetchPage("/portal/attachments/99999999");
    expect(missing.status).toBe(404);
    for (const c of await db.case.findMany({ select: { number: true } })) {
      const res = await fetchPage(`/portal/cases/${c.number}`);
      if (visibleCases.has(Number(c.number))) expect(res.status, `case ${c.number}`).toBe(200);
      else {
        expect(res.status, `case ${c.number}`).toBe(404);
        expect(res.text).toBe(missing.text);
      }
    }
    for (const a of await db.postAttachment.findMany({ select: { id: true } })) {
      const res = await fetchPage(`/portal/attachments/${a.id}`);
      if (visibleAttachments.has(a.id)) expect(res.status, `attachment ${a.id}`).toBe(200);
      else {
        expect(res.status, `attachment ${a.id}`).toBe(404);
        expect(res.text).toBe(missingAttachment.text);
      }
    }
  });

  it("signed out: case links lead to sign-in and back to the case afterwards (deep link kept)", async () => {
    const db = app.rt.deps.db;
    const b = new Browser(web);
    const res = await b.get(`/portal/cases/${cases.samOwn.number}`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/portal/sign-in?returnTo=${encodeURIComponent(`/cases/${cases.samOwn.number}`)}`);
    const after = await lastSignInMailId(db);
    await b.submit(String(res.headers.location), "/portal/sign-in", { email: sam, returnTo: `/cases/${cases.samOwn.number}` });
    const mail = await signInMail(db, sam, after);
    const done = await b.submit(mail.link, mail.link);
    expect(done.headers.location).toBe(`/portal/cases/${cases.samOwn.number}`);
    // An outside returnTo is ignored (no open redirect).
    const after2 = await lastSignInMailId(db);
    const c = new Browser(web);
    await c.submit("/portal/sign-in", "/portal/sign-in", { email: eve, returnTo: "https://evil.example/" });
    const mail2 = await signInMail(db, eve, after2);
    expect((await c.submit(mail2.link, mail2.link)).headers.location).toBe("/portal/cases");
  });
});

describe("sessions", () => {
  it("sign out, sign out everywhere, and sessions end when the contact moves account or loses portal access", async () => {
    const db = app.rt.deps.db;
    const one = await signIn(web, db, pat);
    const two = await signIn(web, db, pat);
    expect((await one.submit("/portal/account", "/portal/sign-out")).statusCode).toBe(303);
    expect((await one.get("/portal/cases")).statusCode).toBe(303);
    expect((await two.get("/portal/cases")).statusCode).toBe(200);
    const three = await signIn(web, db, pat);
    const everywhere = await two.submit("/portal/account", "/portal/sign-out-everywhere");
    expect(everywhere.body).toContain("signed out on every device");
    expect((await three.get("/portal/cases")).statusCode).toBe(303);

    // Account move: the old session no longer works (visibility is never carried in the session).
    const moved = await signIn(web, db, sam);
    const globex = (await db.account.findUniqueOrThrow({ where: { key: "globex" } })).id;
    const acme = (await db.account.findUniqueOrThrow({ where: { key: "acme" } })).id;
    await db.contact.update({ where: { id: ids[sam]! }, data: { accountId: globex } });
    expect((await moved.get("/portal/cases")).statusCode).toBe(303);
    await db.contact.update({ where: { id: ids[sam]! }, data: { accountId: acme } });

    const lost = await signIn(web, db, sam);
    await db.contact.update({ where: { id: ids[sam]! }, data: { portalUser: false } });
    expect((await lost.get("/portal/cases")).statusCode).toBe(303);
    await db.contact.update({ where: { id: ids[sam]! }, data: { portalUser: true } });
    expect((await lost.get("/portal/cases")).statusCode).toBe(303);
  });

  it("a manager's visibility follows the current role, not the one at sign-in", async () => {
    const db = app.rt.deps.db;
    const b = await signIn(web, db, pat);
    expect((await b.get(`/portal/cases/${cases.acmeOther.number}`)).statusCode).toBe(200);
    await db.contact.update({ where: { id: ids[pat]! }, data: { portalRole: null } });
    try {
      expect((await b.get(`/portal/cases/${cases.acmeOther.number}`)).statusCode).toBe(404);
    } finally {
      await db.contact.update({ where: { id: ids[pat]! }, data: { portalRole: "manager" } });
    }
  });
});

describe("reply", () => {
  it("adds a PUBLIC post with source PORTAL through the case write model: the waiting case resumes and the post is planned for notification", async () => {
    const db = app.rt.deps.db;
    const b = await signIn(web, db, sam);
    const pageUrl = `/portal/cases/${cases.samWaiting.number}`;
    const res = await b.submit(pageUrl, `${pageUrl}/reply`, { text: "Here are the logs you asked for." });
    expect(res.statusCode).toBe(303);
    const after = await b.get(String(res.headers.location));
    expect(after.body).toContain("Your reply was added to the case.");
    expect(after.body).toContain("Here are the logs you asked for.");
    const post = await db.post.findFirstOrThrow({ where: { caseId: cases.samWaiting.id, source: "PORTAL" } });
    expect(post).toMatchObject({ visibility: "PUBLIC", authorContactId: ids[sam], threadRule: "portal" });
    const c = await db.case.findUniqueOrThrow({ where: { id: cases.samWaiting.id } });
    expect(c.status).not.toBe("WAITING_ON_CUSTOMER");
    expect(await db.caseEvent.count({ where: { caseId: c.id, type: "post.added" } })).toBe(1);
    await waitFor(async () => (await db.post.findUniqueOrThrow({ where: { id: post.id } })).notifiedAt !== null, "notification planning of the portal post");
  });

  it("refuses a reply to a case out of scope (404, nothing written), without the form token (403), empty (400), and on a closed case (409)", async () => {
    const db = app.rt.deps.db;
    const b = await signIn(web, db, sam);
    const before = await db.post.count();
    const own = `/portal/cases/${cases.samOwn.number}`;
    const token = await b.csrf(own);
    for (const n of [cases.globex.number, cases.patOwn.number, cases.internalAcme.number, 99999999])
      expect((await b.request("POST", `/portal/cases/${n}/reply`, { _csrf: token, text: "sneaky" })).statusCode, `case ${n}`).toBe(404);
    expect((await b.request("POST", `${own}/reply`, { text: "no token" })).statusCode).toBe(403);
    expect((await b.request("POST", `${own}/reply`, { _csrf: token, text: "   " })).statusCode).toBe(400);
    const closed = `/portal/cases/${cases.samClosed.number}`;
    expect((await b.get(closed)).body).not.toContain("/reply");
    expect((await b.request("POST", `${closed}/reply`, { _csrf: token, text: "hello?" })).statusCode).toBe(409);
    expect(await db.post.count()).toBe(before);
  });
});

describe("new case", () => {
  it("opens a case through the mail path's opening: origin PORTAL, routed by the contact's group, server fields never from the form", async () => {
    const db = app.rt.deps.db;
    const b = await signIn(web, db, sam);
    const globex = (await db.account.findUniqueOrThrow({ where: { key: "globex" } })).id;
    const res = await b.submit("/portal/cases/new", "/portal/cases/new", { subject: "Scanner jams", description: "The scanner jams on every page.", accountId: String(globex), internal: "true", groupId: "1", status: "CLOSED" });
    expect(res.statusCode).toBe(303);
    const number = Number(/\/cases\/(\d+)/.exec(String(res.headers.location))?.[1]);
    const c = await db.case.findUniqueOrThrow({ where: { number }, include: { posts: true, contacts: true, group: true } });
    expect(c).toMatchObject({ origin: "PORTAL", subject: "Scanner jams", internal: false, status: expect.not.stringMatching(/CLOSED/) });
    expect(c.accountId).not.toBe(globex);
    expect(c.group?.key).toBe("vip"); // ACME's group: VIP, owned by alice
    expect(c.ownerId).toBe((await db.agent.findUniqueOrThrow({ where: { key: "alice" } })).id);
    expect(c.posts).toHaveLength(1);
    expect(c.posts[0]).toMatchObject({ source: "PORTAL", visibility: "PUBLIC", authorContactId: ids[sam] });
    expect(c.contacts).toEqual([expect.objectContaining({ contactId: ids[sam], role: "REQUESTER" })]);
    const page = (await b.get(String(res.headers.location))).body;
    expect(page).toContain("Your case was opened.");
    expect(page).toContain("The scanner jams on every page.");
    expect((await b.request("POST", "/portal/cases/new", { subject: "x", description: "y" })).statusCode).toBe(403);
    expect((await b.submit("/portal/cases/new", "/portal/cases/new", { subject: " ", description: "" })).statusCode).toBe(400);
  });
});

describe("follow", () => {
  it("follows and unfollows a visible case; a case out of scope is 404 and nothing is written", async () => {
    const db = app.rt.deps.db;
    const b = await signIn(web, db, pat);
    const url = `/portal/cases/${cases.acmeOther.number}`;
    expect((await b.get(url)).body).toContain("Follow this case");
    expect((await b.submit(url, `${url}/follow`, { follow: "1" })).statusCode).toBe(303);
    expect(await db.follower.count({ where: { caseId: cases.acmeOther.id, contactId: ids[pat]! } })).toBe(1);
    expect((await b.get(url)).body).toContain("Stop following");
    expect((await b.submit(url, `${url}/follow`, { follow: "0" })).statusCode).toBe(303);
    expect(await db.follower.count({ where: { caseId: cases.acmeOther.id, contactId: ids[pat]! } })).toBe(0);
    const token = await b.csrf(url);
    expect((await b.request("POST", `/portal/cases/${cases.globex.number}/follow`, { _csrf: token, follow: "1" })).statusCode).toBe(404);
    expect((await b.request("POST", `/portal/cases/${cases.internalAcme.number}/follow`, { _csrf: token, follow: "1" })).statusCode).toBe(404);
    expect((await b.request("POST", `${url}/follow`, { follow: "1" })).statusCode).toBe(403);
    expect(await db.follower.count({ where: { contactId: ids[pat]!, caseId: { in: [cases.globex.id, cases.internalAcme.id, cases.acmeOther.id] } } })).toBe(0);
  });
});

describe("language", () => {
  it("uses the contact's language, then Accept-Language; the switcher offers only the portal's languages", async () => {
    const anon = new Browser(web, { "accept-language": "pl-PL,pl;q=0.9,en;q=0.5" });
    expect((await anon.get("/portal/sign-in")).body).toContain('lang="pl"');
    const partners = (await new Browser(web, { "accept-language": "zh" }).get("/partners/sign-in")).body;
    expect(partners).toContain('<html lang="en">');
    expect(partners).toContain("hreflang=\"cs\"");
    expect(partners).not.toContain("hreflang=\"zh\"");
    const b = await signIn(web, app.rt.deps.db, eve);
    expect((await b.get("/portal/cases")).body).toContain('<html lang="cs">');
    expect((await b.get("/portal/cases?lang=en")).body).toContain('<html lang="en">');
    expect((await b.get("/portal/cases")).body).toContain('<html lang="en">');
  });
});

/**
 * Public web-to-case forms over HTTP (Fastify inject) against the real services: every defence refuses with a
 * clear message and leaves nothing behind (no request, no case), and an unknown sender's request becomes a
 * case only when the link mailed to that address (read from the lab IMAP mailbox) is confirmed.
 */
import { solveChallenge, type Challenge } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/pbkdf2";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webOptions } from "../../src/app/runtime.ts";
import { keysFor } from "../../src/config/secrets.ts";
import { signFormToken, newNonce, honeypotName } from "../../src/portal/web-form-token.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { labConfig, rand, startApp, testEnv, waitFor, waitForMail, type App } from "../support/harness.ts";
import { pageText, signIn } from "../support/portal.ts";

const id = rand();
const portalUser = `pat-${id}@acme.test`;

let app: App;
let web: FastifyInstance;

const CONTACT_FORM = {
  key: "contact",
  title: { en: "Contact support", cs: "Kontaktujte podporu" },
  intro: "Tell us what happened.",
  mailbox: "support",
  area: "billing",
  caseType: "INCIDENT",
  thankYou: { en: "Thank you, we will answer soon.", cs: "Děkujeme, brzy odpovíme." },
  languages: ["en", "cs"],
  frameAncestors: ["https://www.acme.test"],
  minFillSeconds: 3,
  noScriptMinFillSeconds: 20,
  pow: { cost: 10, maxCounter: 40 },
  limits: { perIpPerHour: 100 },
  fields: [
    { key: "product", label: "Product", type: "select", required: true, options: [{ value: "printer", label: "Printer" }, { value: "laptop", label: "Laptop" }] },
    { key: "units", label: { en: "Units affected", cs: "Počet kusů" }, type: "number", integer: true, min: 1, max: 100 },
    { key: "order", label: "Order number", type: "text", pattern: "ORD-[0-9]{4}" },
  ],
  attachments: { maxFiles: 2, maxFileBytes: 1024, types: ["application/pdf", "text/plain"] },
};

beforeAll(async () => {
  const cfg = labConfig(id, (doc) => {
    (doc.areas as unknown[]).push({ key: "billing", name: "Billing", agent: "alice" });
    (doc.contacts as unknown[]).push({ email: portalUser, name: "Pat Smith", account: "acme", portal: true });
    doc.portals = [{ key: "customers", path: "/portal", name: "Test portal" }];
    doc.webForms = [
      CONTACT_FORM,
      // A second form with tight limits for the rate-limit test, and no frame ancestors.
      { key: "limited", title: "Limited", mailbox: "support", thankYou: "Thanks", minFillSeconds: 0, pow: { cost: 10, maxCounter: 40 }, limits: { perIpPerHour: 3, perAddressPerHour: 2 } },
    ];
  });
  app = await startApp(cfg, { env: testEnv(), roles: ["worker"] });
  web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, { publicUrl: "http://127.0.0.1:8080", pageRatePerMinute: 1_000_000 }));
}, 120_000);

afterAll(async () => {
  await web?.close();
  await app?.close();
});

// ---- helpers: what a browser sends -------------------------------------------------------------------

/** A token as if the form had been served `ageMs` ago (the server's own key: the test is the server here). */
function tokenAged(formKey: string, ageMs: number): { token: string; honeypot: string } {
  const nonce = newNonce();
  return { token: signFormToken(keysFor(app.rt.deps.secret, "form")[0]!, { formKey, issuedAt: Date.now() - ageMs, nonce }), honeypot: honeypotName(nonce) };
}

/** Fetches a challenge as the widget does and solves it; returns the hidden field's value. */
async function solvedPow(formKey: string): Promise<string> {
  const res = await web.inject({ method: "GET", url: `/forms/${formKey}/challenge` });
  expect(res.statusCode).toBe(200);
  const challenge = res.json() as Challenge;
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error("could not solve the challenge");
  return Buffer.from(JSON.stringify({ challenge, solution })).toString("base64");
}

type File = { name: string; type: string; content: Buffer };

function multipart(fields: Record<string, string>, files: File[] = []): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----mc${rand()}`;
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  for (const f of files) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="${f.name}"\r\nContent-Type: ${f.type}\r\n\r\n`), f.content, Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { "content-type": `multipart/form-data; boundary=${boundary}` } };
}

function post(formKey: string, fields: Record<string, string>, files: File[] = [], headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  const m = multipart(fields, files);
  return web.inject({ method: "POST", url: `/forms/${formKey}`, payload: m.payload, headers: { ...m.headers, ...headers } });
}

const valid = (email: string, over: Record<string, string> = {}) => ({ email, name: "Web Visitor", subject: `Printer jammed ${rand()}`, description: "It makes a noise.", product: "printer", units: "3", order: "ORD-1234", ...over });

async function nothingFor(email: string): Promise<void> {
  const db = app.rt.deps.db;
  expect(await db.webFormRequest.count({ where: { email } })).toBe(0);
  expect(await db.caseContact.count({ where: { contact: { email } } })).toBe(0);
}

// ---- tests -------------------------------------------------------------------------------------------

describe("the form page", () => {
  it("serves fields, a signed token, a honeypot and the widget, framable only by the configured site", async () => {
    const res = await web.inject({ method: "GET", url: "/forms/contact", headers: { "accept-language": "cs" } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("Kontaktujte podporu");
    expect(res.body).toContain('<html lang="cs">');
    expect(res.body).toMatch(/name="token" value="contact\.\d+\./);
    expect(res.body).toMatch(/class="hp" aria-hidden="true"/);
    expect(res.body).toContain('<select id="f-product" name="product" required>');
    expect(res.body).toContain("Počet kusů");
    expect(res.body).toContain('<altcha-widget challenge="/forms/contact/challenge"');
    // Assets are local, not from a CDN.
    expect(res.body).not.toMatch(/src="https?:/);
    expect((await web.inject({ method: "GET", url: "/forms/assets/altcha.js" })).statusCode).toBe(200);
    expect(res.headers["content-security-policy"]).toContain("frame-ancestors https://www.acme.test");
    expect(res.headers["x-frame-options"]).toBeUndefined();
    const other = await web.inject({ method: "GET", url: "/forms/limited" });
    expect(other.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(other.headers["x-frame-options"]).toBe("DENY");
    expect((await web.inject({ method: "GET", url: "/forms/nope" })).statusCode).toBe(404);
  });
});

describe("defences: refused with a clear message, nothing opened", () => {
  it("too fast: a token used at once after serving the form", async () => {
    const email = `fast-${id}@example.test`;
    const page = await web.inject({ method: "GET", url: "/forms/contact" });
    const token = /name="token" value="([^"]+)"/.exec(page.body)![1]!;
    const res = await post("contact", { token, ...valid(email), altcha: await solvedPow("contact") });
    expect(res.statusCode).toBe(400);
    expect(pageText(res.body)).toContain("faster than a person can fill in this form");
    await nothingFor(email);
  });

  it("honeypot filled", async () => {
    const email = `bot-${id}@example.test`;
    const t = tokenAged("contact", 60_000);
    const res = await post("contact", { token: t.token, [t.honeypot]: "http://spam.test", ...valid(email), altcha: await solvedPow("contact") });
    expect(res.statusCode).toBe(400);
    expect(pageText(res.body)).toContain("looked automated and was refused");
    await nothingFor(email);
  });

  it("bad token: forged signature, another form's token, expired, missing", async () => {
    const email = `forger-${id}@example.test`;
    const good = tokenAged("contact", 60_000).token;
    const forged = good.slice(0, -4) + (good.endsWith("AAAA") ? "BBBB" : "AAAA");
    for (const token of [forged, tokenAged("limited", 60_000).token, "", "contact.1.x.y"]) {
      const res = await post("contact", { token, ...valid(email), altcha: await solvedPow("contact") });
      expect(res.statusCode, token).toBe(400);
      expect(pageText(res.body)).toContain("could not be verified");
    }
    const expired = await post("contact", { token: tokenAged("contact", 3 * 3600_000).token, ...valid(email), altcha: await solvedPow("contact") });
    expect(expired.statusCode).toBe(400);
    expect(pageText(expired.body)).toContain("has expired");
    await nothingFor(email);
  });

  it("proof of work: a replayed solution is refused, a tampered one too", async () => {
    const email = `replay-${id}@example.test`;
    const pow = await solvedPow("contact");
    const first = await post("contact", { token: tokenAged("contact", 60_000).token, ...valid(email), altcha: pow });
    expect(first.statusCode, first.body).toBe(200);
    const second = await post("contact", { token: tokenAged("contact", 60_000).token, ...valid(email), altcha: pow });
    expect(second.statusCode).toBe(400);
    expect(pageText(second.body)).toContain("already used");
    const decoded = JSON.parse(Buffer.from(await solvedPow("contact"), "base64").toString()) as { solution: { derivedKey: string } };
    const k = decoded.solution.derivedKey;
    decoded.solution.derivedKey = (k[0] === "0" ? "1" : "0") + k.slice(1);
    const tampered = await post("contact", { token: tokenAged("contact", 60_000).token, ...valid(email), altcha: Buffer.from(JSON.stringify(decoded)).toString("base64") });
    expect(tampered.statusCode).toBe(400);
    expect(pageText(tampered.body)).toContain("spam protection check failed");
    // A solution for another form is refused here.
    const foreign = await post("contact", { token: tokenAged("contact", 60_000).token, ...valid(email), altcha: await solvedPow("limited") });
    expect(foreign.statusCode).toBe(400);
    expect(await app.rt.deps.db.webFormRequest.count({ where: { email } })).toBe(1);
  });

  it("without JavaScript: no proof of work needs the longer fill time, and keeps what was typed", async () => {
    const email = `nojs-${id}@example.test`;
    const early = await post("contact", { token: tokenAged("contact", 5_000).token, ...valid(email, { subject: "Typed subject kept" }) });
    expect(early.statusCode).toBe(400);
    expect(pageText(early.body)).toMatch(/Without JavaScript the form must stay open for 20 seconds before sending\. Please wait 1[0-9] seconds/);
    expect(early.body).toContain('value="Typed subject kept"');
    await nothingFor(email);
    const later = await post("contact", { token: tokenAged("contact", 25_000).token, ...valid(email) });
    expect(later.statusCode, later.body).toBe(200);
    expect(await app.rt.deps.db.webFormRequest.count({ where: { email } })).toBe(1);
  });

  it("fields: each problem is shown at its field, nothing is stored", async () => {
    const email = `fields-${id}@example.test`;
    const res = await post("contact", { token: tokenAged("contact", 60_000).token, ...valid(email, { product: "toaster", units: "1000", order: "12", subject: "" }), altcha: await solvedPow("contact") });
    expect(res.statusCode).toBe(400);
    const text = pageText(res.body);
    expect(text).toContain("Please correct the marked fields.");
    expect(res.body).toMatch(/id="f-product-err">Choose one of the options\./);
    expect(res.body).toMatch(/id="f-units-err">This value is too large\./);
    expect(res.body).toMatch(/id="f-order-err">This value does not have the expected format\./);
    expect(res.body).toMatch(/id="f-subject-err">Please fill in this field\./);
    await nothingFor(email);
    const noEmail = await post("contact", { token: tokenAged("contact", 60_000).token, ...valid("not-an-address"), altcha: await solvedPow("contact") });
    expect(noEmail.body).toMatch(/id="f-email-err">Enter an email address/);
  });

  it("uploads: a type not accepted, a file whose content is not its declared type, too large, too many", async () => {
    const email = `files-${id}@example.test`;
    const send = async (files: File[]) => post("contact", { token: tokenAged("contact", 60_000).token, ...valid(email), altcha: await solvedPow("contact") }, files);
    const exe = await send([{ name: "tool.exe", type: "application/x-msdownload", content: Buffer.from("MZ\x90\x00") }]);
    expect(exe.statusCode).toBe(400);
    expect(pageText(exe.body)).toContain("tool.exe: this type of file is not accepted");
    const disguised = await send([{ name: "invoice.pdf", type: "application/pdf", content: Buffer.from("MZ not a pdf") }]);
    expect(disguised.statusCode).toBe(400);
    expect(pageText(disguised.body)).toContain("invoice.pdf: this type of file is not accepted");
    const big = await send([{ name: "big.txt", type: "text/plain", content: Buffer.alloc(2048, 97) }]);
    expect(big.statusCode).toBe(400);
    expect(pageText(big.body)).toContain("big.txt is larger than 1 KB");
    const many = await send([1, 2, 3].map((n) => ({ name: `n${n}.txt`, type: "text/plain", content: Buffer.from("x") })));
    expect(many.statusCode).toBeGreaterThanOrEqual(400);
    expect(pageText(many.body)).toContain("At most 2 files");
    await nothingFor(email);
  });

  it("rate limits per IP and per address", async () => {
    const db = app.rt.deps.db;
    const addr = `limit-${id}@example.test`;
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await post("limited", { token: tokenAged("limited", 60_000).token, ...valid(addr), altcha: await solvedPow("limited") });
      codes.push(r.statusCode);
      if (r.statusCode === 429) expect(pageText(r.body)).toContain("Too many requests");
    }
    // Per address: 2 an hour, so the third for the same address is refused.
    expect(codes).toEqual([200, 200, 429]);
    expect(await db.webFormRequest.count({ where: { email: addr } })).toBe(2);
    // Per IP (3 an hour, one spent on the refused one): a fourth from this address space is refused whatever the address.
    const r = await post("limited", { token: tokenAged("limited", 60_000).token, ...valid(`other-${id}@example.test`), altcha: await solvedPow("limited") });
    expect(r.statusCode).toBe(429);
  });
});

describe("confirmation by email", () => {
  it("an unknown sender's request waits; the mailed link (GET shows a button) opens the case once, routed and acknowledged", async () => {
    const db = app.rt.deps.db;
    const email = `visitor-${id}@customer.test`; // a lab domain: the mail really arrives
    const subject = `Printer smoke ${id}`;
    const res = await post(
      "contact",
      { token: tokenAged("contact", 60_000).token, ...valid(email, { subject, units: "7" }), altcha: await solvedPow("contact"), lang: "en" },
      [{ name: "log.txt", type: "text/plain", content: Buffer.from("error 42\n") }],
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(pageText(res.body)).toContain(`We sent a link to ${email}`);
    expect(await db.case.count({ where: { subject } })).toBe(0);
    const pending = await db.webFormRequest.findFirstOrThrow({ where: { email } });
    expect(pending.confirmedAt).toBeNull();

    // The mail really arrives (send queue → SMTP → the lab mailbox), marked automatic.
    const mail = await waitForMail(email, (m) => (m.subject ?? "").includes(subject), "confirmation mail");
    expect(mail.headers.get("auto-submitted")).toBe("auto-generated");
    const link = new URL(/https?:\/\/\S+\/forms\/confirm\/[A-Za-z0-9_-]{43}/.exec(mail.text ?? "")![0]).pathname;

    // A scanner opening the link confirms nothing.
    const shown = await web.inject({ method: "GET", url: link });
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain(`<form method="post" action="${link}`);
    expect(await db.case.count({ where: { subject } })).toBe(0);

    const confirmed = await web.inject({ method: "POST", url: link });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(pageText(confirmed.body)).toMatch(/Your request is now case MC-\d+/);
    const c = await db.case.findFirstOrThrow({ where: { subject }, include: { posts: { include: { attachments: true } }, area: true, contacts: { include: { contact: true } } } });
    expect(c.origin).toBe("WEB");
    expect(c.type).toBe("INCIDENT");
    expect(c.area.key).toBe("billing");
    expect(c.contacts.map((x) => x.contact.email)).toEqual([email]);
    expect(c.description).toContain("Product: Printer (printer)");
    expect(c.description).toContain("Units affected: 7");
    expect(c.posts[0]!.attachments.map((a) => a.filename)).toEqual(["log.txt"]);
    // Routed like mail: the form's area's agent owns it.
    expect(c.ownerId).not.toBeNull();
    // Acknowledged (the notify stage writes the ACK to the requester).
    await waitFor(() => db.outboundMail.findFirst({ where: { caseId: c.id, kind: "ACK", toAddress: email } }), "acknowledgement");

    const again = await web.inject({ method: "POST", url: link });
    expect(again.statusCode).toBe(400);
    expect(pageText(again.body)).toContain("This link is not valid");
    expect(await db.case.count({ where: { subject } })).toBe(1);
  });

  it("an expired or made-up link opens nothing", async () => {
    const db = app.rt.deps.db;
    const email = `late-${id}@example.test`;
    const subject = `Late ${id}`;
    await post("contact", { token: tokenAged("contact", 60_000).token, ...valid(email, { subject }), altcha: await solvedPow("contact") });
    const row = await waitFor(() => db.outboundMail.findFirst({ where: { toAddress: email, kind: "SIGN_IN" } }), "confirmation row");
    const link = new URL(/https?:\/\/\S+\/forms\/confirm\/[A-Za-z0-9_-]{43}/.exec(row.text)![0]).pathname;
    await db.webFormRequest.updateMany({ where: { email }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await web.inject({ method: "POST", url: link })).statusCode).toBe(400);
    expect((await web.inject({ method: "POST", url: `/forms/confirm/${"A".repeat(43)}` })).statusCode).toBe(400);
    expect(await db.case.count({ where: { subject } })).toBe(0);
  });

  it("a portal user signed in with their own address gets the case at once; with another address, a confirmation", async () => {
    const db = app.rt.deps.db;
    const browser = await signIn(web, db, portalUser);
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const own = `Signed in ${id}`;
    const res = await post("contact", { token: tokenAged("contact", 60_000).token, ...valid(portalUser, { subject: own }), altcha: await solvedPow("contact") }, [], { cookie });
    expect(res.statusCode, res.body).toBe(200);
    expect(pageText(res.body)).toMatch(/Your request is now case MC-\d+/);
    expect((await db.case.findFirstOrThrow({ where: { subject: own } })).origin).toBe("WEB");
    const someoneElse = `victim-${id}@example.test`;
    const other = await post("contact", { token: tokenAged("contact", 60_000).token, ...valid(someoneElse, { subject: `Else ${id}` }), altcha: await solvedPow("contact") }, [], { cookie });
    expect(pageText(other.body)).toContain(`We sent a link to ${someoneElse}`);
    expect(await db.case.count({ where: { subject: `Else ${id}` } })).toBe(0);
  });
});

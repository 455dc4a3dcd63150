/**
 * Self-registration for configured account domains (off by default): an unlisted address of such a domain gets
 * a sign-in link and becomes a portal user by using it; any other address, and every address on a portal
 * without self-registration, gets nothing (and the same answer).
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webOptions } from "../../src/app/runtime.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { labConfig, rand, startApp, testEnv, type App } from "../support/harness.ts";
import { Browser, lastSignInMailId, signInMail } from "../support/portal.ts";

const id = rand();
let app: App;
let web: FastifyInstance;

beforeAll(async () => {
  const cfg = labConfig(id, (doc) => {
    doc.portals = [
      { key: "customers", path: "/portal", name: "Self-service portal", selfRegistration: { accounts: ["acme"] } },
      { key: "partners", path: "/partners", name: "Partner portal" },
    ];
  });
  app = await startApp(cfg, { env: testEnv(), roles: ["worker"] });
  web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, { publicUrl: "http://127.0.0.1:8080", pageRatePerMinute: 1_000_000 }));
}, 120_000);

afterAll(async () => {
  await web?.close();
  await app?.close();
});

describe("self-registration", () => {
  it("an address of a configured account's domain signs in and becomes a portal user of that account", async () => {
    const db = app.rt.deps.db;
    const email = `newbie-${id}@acme.test`;
    const b = new Browser(web);
    const after = await lastSignInMailId(db);
    expect((await b.submit("/portal/sign-in", "/portal/sign-in", { email })).statusCode).toBe(200);
    const mail = await signInMail(db, email, after);
    expect((await db.contact.findUniqueOrThrow({ where: { email } })).portalUser).toBe(false);
    expect((await b.submit(mail.link, mail.link)).statusCode).toBe(303);
    expect((await b.get("/portal/cases")).statusCode).toBe(200);
    const contact = await db.contact.findUniqueOrThrow({ where: { email }, include: { account: true } });
    expect(contact.portalUser).toBe(true);
    expect(contact.account?.key).toBe("acme");
  });

  it("other domains, and portals without self-registration (the default), send nothing", async () => {
    const db = app.rt.deps.db;
    const b = new Browser(web);
    const stranger = `stranger-${id}@globex.test`;
    const acmeOnPartners = `partner-${id}@acme.test`;
    const known = await b.submit("/portal/sign-in", "/portal/sign-in", { email: stranger });
    const other = await b.submit("/partners/sign-in", "/partners/sign-in", { email: acmeOnPartners });
    expect(known.statusCode).toBe(200);
    expect(other.statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 700));
    expect(await db.outboundMail.count({ where: { kind: "SIGN_IN", toAddress: { in: [stranger, acmeOnPartners] } } })).toBe(0);
    expect(await db.contact.count({ where: { email: { in: [stranger, acmeOnPartners] }, portalUser: true } })).toBe(0);
  });
});

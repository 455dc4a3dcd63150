/**
 * Catalogue case fields on the customer's forms, over HTTP against the real services: the portal's new-case
 * page and a web form (`webForms[].caseFields`) render the customer-visible fields (never agent-only ones),
 * check them with the channel-wide check (errors at the field, the typed values kept), store them on the case
 * through the change path (audited), also when an unknown sender's request is confirmed later, and refuse a
 * posted agent-only field outright.
 */
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webOptions } from "../../src/app/runtime.ts";
import { keysFor } from "../../src/config/secrets.ts";
import { honeypotName, newNonce, signFormToken } from "../../src/portal/web-form-token.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { labConfig, rand, startApp, testEnv, waitFor, type App } from "../support/harness.ts";
import { Browser, signIn } from "../support/portal.ts";

const id = rand();
const sam = `sam-${id}@acme.test`;
let app: App;
let web: FastifyInstance;
const db = () => app.rt.deps.db;

beforeAll(async () => {
  const cfg = labConfig(id, (doc) => {
    doc.caseFields = [
      { key: "contract", label: { en: "Contract", cs: "Smlouva" }, type: "text", required: true, visibility: "customer" },
      { key: "seats", label: "Seats", type: "number", visibility: "customer" },
      { key: "visit", label: "Visit day", type: "date", visibility: "customer" },
      { key: "onsite", label: "On site", type: "yesno", visibility: "customer" },
      { key: "plan", label: "Plan", type: "picklist", options: ["Basic", "Pro"], visibility: "customer" },
      { key: "os", label: "Systems", type: "multipicklist", options: ["Linux", "Windows"], visibility: "customer" },
      { key: "margin", label: "Margin", type: "number", visibility: "agent" },
    ];
    doc.products = [
      { code: "CAM-1", name: "Camera One" },
      { code: "OLD-9", name: "Old Nine", active: false },
    ];
    (doc.contacts as unknown[]).push({ email: sam, name: "Sam Jones", account: "acme", portal: true });
    doc.portals = [{ key: "customers", path: "/portal", name: "Test portal" }];
    doc.webForms = [
      {
        key: "fields",
        title: "Fields form",
        mailbox: "support",
        thankYou: "Thanks",
        minFillSeconds: 0,
        noScriptMinFillSeconds: 0,
        limits: { perIpPerHour: 1000, perIpPerDay: 1000, noScriptPerIpPerHour: 1000, perAddressPerHour: 100 },
        caseFields: ["plan", "contract", "os"],
      },
    ];
  });
  app = await startApp(cfg, { env: testEnv(), roles: [] });
  web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, { publicUrl: "http://127.0.0.1:8080", pageRatePerMinute: 1_000_000 }));
}, 120_000);

afterAll(async () => {
  await web?.close();
  await app?.close();
});

// One sign-in for the file (the per-address sign-in limit would refuse one per test).
let signedIn: Browser | null = null;
const browser = async () => (signedIn ??= await signIn(web, db(), sam));

const changes = async (caseId: number) =>
  (await db().caseEvent.findMany({ where: { caseId, type: "case.changed" }, orderBy: { id: "asc" } })).map((e) => e.data as { field: string; to: unknown; by: string });

describe("portal new-case form", () => {
  it("renders the customer-visible fields (labels, required marked) and active products only, never an agent-only field", async () => {
    const b = await browser();
    const page = (await b.get("/portal/cases/new")).body;
    expect(page).toMatch(/<label for="cf-contract">Contract <span class="req">\(required\)<\/span><\/label>/);
    expect(page).toContain('<input id="cf-contract" name="cf.contract" type="text" value="" maxlength="1000" required>');
    expect(page).toContain('<input id="cf-seats" name="cf.seats" type="number" value="" step="any">');
    expect(page).toContain('<input id="cf-visit" name="cf.visit" type="date" value="">');
    expect(page).toMatch(/<select id="cf-onsite" name="cf.onsite"><option value=""><\/option><option value="yes">Yes<\/option><option value="no">No<\/option><\/select>/);
    expect(page).toContain('<option value="Pro">Pro</option>');
    expect(page).toContain('<input id="cf-os-1" name="cf.os.1" type="checkbox" value="Windows">');
    expect(page).toContain('<option value="CAM-1">Camera One (CAM-1)</option>');
    expect(page).not.toContain("OLD-9");
    expect(page).not.toContain("margin");
    expect(page).not.toContain("Margin");
  });

  it("re-shows the form with the typed values and each error at its field; nothing is opened", async () => {
    const b = await browser();
    const before = await db().case.count();
    const res = await b.submit("/portal/cases/new", "/portal/cases/new", { subject: "Camera flickers", description: "Since Monday.", "cf.seats": "many", "cf.plan": "Pro", "cf.os.0": "Linux", product: "CAM-1" });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('<p class="field-error" id="cf-contract-err">Please fill in this field.</p>');
    expect(res.body).toContain('<p class="field-error" id="cf-seats-err">Enter a number.</p>');
    expect(res.body).toContain('name="cf.seats" type="number" value="many"');
    expect(res.body).toContain('<option value="Pro" selected>Pro</option>');
    expect(res.body).toContain('<input id="cf-os-0" name="cf.os.0" type="checkbox" value="Linux" checked>');
    expect(res.body).toContain('<option value="CAM-1" selected>Camera One (CAM-1)</option>');
    expect(res.body).toContain('value="Camera flickers"');
    expect(await db().case.count()).toBe(before);
  });

  it("stores valid values and the product on the new case, each with its audit event by the contact", async () => {
    const b = await browser();
    const res = await b.submit("/portal/cases/new", "/portal/cases/new", {
      subject: `Fields ${id}`,
      description: "Camera flickers.",
      "cf.contract": " K-77 ",
      "cf.seats": "12",
      "cf.visit": "2026-12-24",
      "cf.onsite": "yes",
      "cf.plan": "pro",
      "cf.os.0": "Linux",
      "cf.os.1": "Windows",
      product: "cam-1",
    });
    expect(res.statusCode).toBe(303);
    const number = Number(/\/cases\/(\d+)/.exec(String(res.headers.location))?.[1]);
    const c = await db().case.findUniqueOrThrow({ where: { number }, include: { product: true } });
    expect(c.customFields).toEqual({ contract: "K-77", seats: 12, visit: "2026-12-24", onsite: true, plan: "Pro", os: ["Linux", "Windows"] });
    expect(c.product?.code).toBe("CAM-1");
    const contact = await db().contact.findUniqueOrThrow({ where: { email: sam } });
    expect(await changes(c.id)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: "field.contract", to: "K-77", by: `contact:${contact.id}` }),
        expect.objectContaining({ field: "field.os", by: `contact:${contact.id}` }),
        expect.objectContaining({ field: "product", to: "CAM-1", by: `contact:${contact.id}` }),
      ]),
    );
  });

  it("refuses an agent-only field posted anyway (and an inactive product): nothing is opened or stored", async () => {
    const b = await browser();
    const before = await db().case.count();
    const agentOnly = await b.submit("/portal/cases/new", "/portal/cases/new", { subject: `Sneaky ${id}`, description: "x", "cf.contract": "K-1", "cf.margin": "999" });
    expect(agentOnly.statusCode).toBe(400);
    expect(agentOnly.body).toContain("The form contained a field it does not offer.");
    const unknown = await b.submit("/portal/cases/new", "/portal/cases/new", { subject: `Sneaky ${id}`, description: "x", "cf.contract": "K-1", "cf.nonsense": "1" });
    expect(unknown.statusCode).toBe(400);
    const retired = await b.submit("/portal/cases/new", "/portal/cases/new", { subject: `Retired ${id}`, description: "x", "cf.contract": "K-1", product: "OLD-9" });
    expect(retired.statusCode).toBe(400);
    expect(retired.body).toContain('<p class="field-error" id="product-err">');
    expect(await db().case.count()).toBe(before);
    const margins = await db().$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "Case" WHERE jsonb_exists("customFields", 'margin')`;
    expect(margins[0]?.n).toBe(0);
  });
});

// ---- web form ----------------------------------------------------------------------------------------

function multipart(fields: Record<string, string>): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----mc${rand()}`;
  const chunks = Object.entries(fields).map(([k, v]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { "content-type": `multipart/form-data; boundary=${boundary}` } };
}

/** A submission as a browser without JavaScript sends it (the form allows that at once here). */
function submit(fields: Record<string, string>): Promise<LightMyRequestResponse> {
  const nonce = newNonce();
  const token = signFormToken(keysFor(app.rt.deps.secret, "form")[0]!, { formKey: "fields", issuedAt: Date.now() - 60_000, nonce });
  const m = multipart({ token, [honeypotName(nonce)]: "", ...fields });
  return web.inject({ method: "POST", url: "/forms/fields", payload: m.payload, headers: m.headers });
}

describe("web form with catalogue fields", () => {
  it("renders the fields it names (in its order), never the others", async () => {
    const page = (await web.inject({ method: "GET", url: "/forms/fields" })).body;
    expect(page.indexOf('name="cf.plan"')).toBeGreaterThan(0);
    expect(page.indexOf('name="cf.plan"')).toBeLessThan(page.indexOf('name="cf.contract"'));
    expect(page).toContain('name="cf.os.0"');
    expect(page).not.toContain("cf.seats");
    expect(page).not.toContain("margin");
  });

  it("shows errors at the field; refuses a field it does not offer; an unknown sender's values wait with the request and land on the case when confirmed", async () => {
    const email = `visitor-${id}@web.test`;
    const base = { email, name: "Web Visitor", subject: `Web fields ${id}`, description: "It broke." };
    const missing = await submit({ ...base, "cf.plan": "Gold" });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('<p class="field-error" id="cf-contract-err">Please fill in this field.</p>');
    expect(missing.body).toContain('<p class="field-error" id="cf-plan-err">Choose one of the options.</p>');
    expect(missing.body).toContain(`value="Web fields ${id}"`);
    const extras: Record<string, string>[] = [{ "cf.margin": "5" }, { "cf.seats": "5" }];
    for (const extra of extras) {
      const refused = await submit({ ...base, "cf.contract": "W-1", ...extra });
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toContain("The form contained a field it does not offer.");
    }
    expect(await db().webFormRequest.count({ where: { email } })).toBe(0);

    const ok = await submit({ ...base, "cf.contract": "W-1", "cf.plan": "basic", "cf.os.1": "Windows" });
    expect(ok.statusCode).toBe(200);
    const request = await db().webFormRequest.findFirstOrThrow({ where: { email } });
    expect(request.data).toMatchObject({ caseFields: { contract: "W-1", plan: "Basic", os: ["Windows"] } });
    expect(request.caseId).toBeNull();
    const mail = await waitFor(() => db().outboundMail.findFirst({ where: { toAddress: email, text: { contains: "/forms/confirm/" } } }), "confirmation mail");
    const token = /\/forms\/confirm\/([A-Za-z0-9_-]{43})/.exec(mail.text)![1]!;
    expect((await web.inject({ method: "POST", url: `/forms/confirm/${token}` })).statusCode).toBe(200);
    const confirmed = await db().webFormRequest.findUniqueOrThrow({ where: { id: request.id } });
    const c = await db().case.findUniqueOrThrow({ where: { id: confirmed.caseId! } });
    expect(c.customFields).toEqual({ contract: "W-1", plan: "Basic", os: ["Windows"] });
    const contact = await db().contact.findUniqueOrThrow({ where: { email } });
    expect(await changes(c.id)).toEqual(expect.arrayContaining([expect.objectContaining({ field: "field.plan", to: "Basic", by: `contact:${contact.id}` })]));
  });
});

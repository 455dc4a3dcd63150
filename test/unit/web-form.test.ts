/**
 * The web forms' pure parts: the signed form token (forgery, another form, time window, key rotation), the
 * field checks by type, and the configuration's refusals (each at the field that is wrong).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { configIssues, minimalConfigDoc } from "../support/config-doc.ts";
import { deriveKey } from "../../src/config/secrets.ts";
import { WebFormConfigSchema, webFormReferenceIssues } from "../../src/portal/web-form-config.ts";
import { caseDescription, readSubmission } from "../../src/portal/web-form-fields.ts";
import { checkFormToken, honeypotName, newNonce, signFormToken } from "../../src/portal/web-form-token.ts";

const key = deriveKey("current-secret", "form");
const old = deriveKey("previous-secret", "form");
const limits = { minFillMs: 3000, ttlMs: 3600_000 };
const t0 = 1_800_000_000_000;

describe("form token", () => {
  it.each([
    ["a moment later than the minimum fill time", 3000, "ok"],
    ["faster than a person fills a form", 2999, "too-fast"],
    ["within the lifetime", 3600_000, "ok"],
    ["after the lifetime", 3600_001, "expired"],
  ])("%s: %s", (_what, age, kind) => {
    const token = signFormToken(key, { formKey: "contact", issuedAt: t0, nonce: newNonce() });
    expect(checkFormToken([key], token, "contact", t0 + age, limits).kind).toBe(kind);
  });

  it("is refused for another form, under a key it was not signed with, and verified under a previous secret during rotation", () => {
    const token = signFormToken(old, { formKey: "contact", issuedAt: t0, nonce: newNonce() });
    expect(checkFormToken([key], token, "contact", t0 + 5000, limits).kind).toBe("invalid");
    expect(checkFormToken([key, old], token, "contact", t0 + 5000, limits).kind).toBe("ok");
    expect(checkFormToken([key, old], token, "other", t0 + 5000, limits).kind).toBe("invalid");
  });

  it("rejects every single-character change (property)", () => {
    const token = signFormToken(key, { formKey: "contact", issuedAt: t0, nonce: newNonce() });
    const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom(...alphabet), (i, ch) => {
        fc.pre(token[i] !== ch);
        const changed = token.slice(0, i) + ch + token.slice(i + 1);
        return checkFormToken([key], changed, "contact", t0 + 5000, limits).kind !== "ok";
      }),
      { numRuns: 500 },
    );
  });

  it("names the honeypot differently per page", () => {
    const names = new Set(Array.from({ length: 50 }, () => honeypotName(newNonce())));
    expect(names.size).toBeGreaterThan(45);
    for (const n of names) expect(n).toMatch(/^website_[A-Za-z0-9]{8}$/);
  });
});

const form = WebFormConfigSchema.parse({
  key: "contact",
  title: "Contact",
  mailbox: "support",
  thankYou: "Thanks",
  fields: [
    { key: "product", label: "Product", type: "select", required: true, options: [{ value: "p1", label: "Printer" }] },
    { key: "units", label: "Units", type: "number", integer: true, min: 1, max: 10 },
    { key: "when", label: "Since", type: "date", max: "2030-01-01" },
    { key: "order", label: "Order", type: "text", pattern: "ORD-[0-9]{4}" },
    { key: "agree", label: "I agree", type: "checkbox", required: true },
    { key: "cc", label: "Colleague", type: "email" },
  ],
});
const base = { email: "Jana@Example.com", subject: "Help", description: "Broken", product: "p1", agree: "yes" };

describe("fields", () => {
  it("accepts a valid submission, lower-cases the address and writes the custom fields into the description", () => {
    const r = readSubmission(form, { ...base, units: "3", when: "2026-02-28", order: "ORD-0042" });
    expect(r.kind).toBe("ok");
    if (r.kind !== "ok") return;
    expect(r.submission.email).toBe("jana@example.com");
    expect(caseDescription(r.submission)).toBe("Broken\n\n---\nProduct: Printer (p1)\nUnits: 3\nSince: 2026-02-28\nOrder: ORD-0042\nI agree: yes");
  });

  it.each([
    [{ email: "" }, "email", "required"],
    [{ email: "not-an-address" }, "email", "invalid-email"],
    [{ subject: "x".repeat(256) }, "subject", "too-long"],
    [{ description: "   " }, "description", "required"],
    [{ product: "p2" }, "product", "not-an-option"],
    [{ product: "" }, "product", "required"],
    [{ units: "3.5" }, "units", "not-an-integer"],
    [{ units: "eleven" }, "units", "not-a-number"],
    [{ units: "0" }, "units", "below-min"],
    [{ units: "11" }, "units", "above-max"],
    [{ when: "2026-02-30" }, "when", "not-a-date"],
    [{ when: "2031-01-01" }, "when", "above-max"],
    [{ order: "ORD-12" }, "order", "no-match"],
    [{ agree: "" }, "agree", "required"],
    [{ cc: "x@" }, "cc", "invalid-email"],
  ])("%j → %s: %s", (over, field, problem) => {
    const r = readSubmission(form, { ...base, ...over });
    expect(r).toEqual({ kind: "invalid", errors: [{ field, problem }] });
  });

  it("reads no field the form does not declare (no mass assignment)", () => {
    const r = readSubmission(form, { ...base, area: "billing", owner: "alice", visibility: "INTERNAL" });
    expect(r.kind === "ok" && r.submission.fields.map((f) => f.key)).toEqual(["product", "agree"]);
  });
});

describe("configuration", () => {
  const at = (input: unknown) => {
    const r = WebFormConfigSchema.safeParse(input);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };
  const min = { key: "c", title: "C", mailbox: "support", thankYou: "T" };

  it("names the field that is wrong", () => {
    expect(at({ ...min, fields: [{ key: "email", label: "E", type: "text" }] })).toEqual(["fields.0.key: is a built-in field name"]);
    expect(at({ ...min, fields: [{ key: "o", label: "O", type: "text", pattern: "([" }] })).toEqual(["fields.0.pattern: is not a valid regular expression"]);
    expect(at({ ...min, frameAncestors: ["http://insecure.test"] })).toEqual(["frameAncestors.0: an https origin like https://www.example.com"]);
    expect(at({ ...min, key: "assets" })).toEqual(["key: is reserved"]);
    expect(at({ ...min, fields: [{ key: "a", label: "A", type: "text" }, { key: "a", label: "A", type: "text" }] })).toEqual(['fields.1.key: duplicate field "a"']);
  });

  it("refers to mailboxes and areas that exist", () => {
    const forms = [WebFormConfigSchema.parse({ ...min, mailbox: "sales", area: "nope" })];
    expect(webFormReferenceIssues(forms, { mailboxes: new Set(["support"]), areas: new Set(["helpdesk"]), caseFields: new Map() })).toEqual([
      { path: ["webForms", 0, "mailbox"], message: 'unknown mailbox "sales"' },
      { path: ["webForms", 0, "area"], message: 'unknown area "nope"' },
    ]);
  });

  it("asks only for catalogue case fields that customers may see, each once", () => {
    const forms = [WebFormConfigSchema.parse({ ...min, caseFields: ["plan", "margin", "ghost", "plan"] })];
    const known = { mailboxes: new Set(["support"]), areas: new Set<string>(), caseFields: new Map([["plan", "customer"], ["margin", "agent"]] as const) };
    expect(webFormReferenceIssues(forms, known)).toEqual([
      { path: ["webForms", 0, "caseFields", 1], message: 'case field "margin" is visible to agents only: a web form may ask only for customer-visible fields' },
      { path: ["webForms", 0, "caseFields", 2], message: 'unknown case field "ghost"' },
      { path: ["webForms", 0, "caseFields", 3], message: 'case field "plan" is listed twice' },
    ]);
  });
});

describe("webForms[].caseFields in the helpdesk file", () => {
  const doc = (caseFields: string[]) =>
    minimalConfigDoc({
      caseFields: [
        { key: "plan", type: "picklist", options: ["Basic", "Pro"], visibility: "customer" },
        { key: "margin", type: "number", visibility: "agent" },
      ],
      webForms: [{ key: "contact", title: "Contact", mailbox: "support", thankYou: "Thanks", caseFields }],
    });

  it("accepts customer-visible catalogue fields", () => {
    expect(configIssues(doc(["plan"]))).toEqual([]);
  });

  it("refuses an agent-only or unknown field at config apply, naming it", () => {
    expect(configIssues(doc(["plan", "margin", "ghost"]))).toEqual([
      'webForms.0.caseFields.1: case field "margin" is visible to agents only: a web form may ask only for customer-visible fields',
      'webForms.0.caseFields.2: unknown case field "ghost"',
    ]);
  });
});

/**
 * Custom case fields and products (src/case/custom-fields.ts): every type parses what people type and what
 * JSON clients send, says why a value is wrong, required fields are enforced on create, customers see only
 * customer-visible fields, and the configuration names the field it refuses.
 */
import { describe, expect, it } from "vitest";
import { CaseFieldSchema, checkFields, chooseProduct, mergeFields, parseFieldValue, ProductSchema, visibleFields, type CaseFieldDef } from "../../src/case/custom-fields.ts";
import { configIssues, minimalConfigDoc } from "../support/config-doc.ts";

const def = (over: Partial<CaseFieldDef> & Pick<CaseFieldDef, "key" | "type">): CaseFieldDef => CaseFieldSchema.parse(over);
const text = def({ key: "ref", type: "text" });
const num = def({ key: "seats", type: "number" });
const date = def({ key: "due", type: "date" });
const yesno = def({ key: "onsite", type: "yesno" });
const pick = def({ key: "plan", type: "picklist", options: ["Basic", "Pro"] });
const multi = def({ key: "os", type: "multipicklist", options: ["Linux", "macOS", "Windows"] });

describe("parseFieldValue", () => {
  const cases: Array<[CaseFieldDef, unknown, { value: unknown } | { reason: string }]> = [
    [text, "  INV-1 ", { value: "INV-1" }],
    [text, 42, { value: "42" }],
    [text, "two\nlines", { reason: "ref: one line of text" }],
    [text, "x".repeat(1001), { reason: "ref: at most 1000 characters" }],
    [text, true, { reason: "ref: expected text" }],
    [num, "12", { value: 12 }],
    [num, 2.5, { value: 2.5 }],
    [num, "-3.25", { value: -3.25 }],
    [num, "12 seats", { reason: 'seats: "12 seats" is not a number' }],
    [num, "1e3", { reason: 'seats: "1e3" is not a number' }],
    [date, "2026-02-28", { value: "2026-02-28" }],
    [date, "2026-02-30", { reason: 'due: "2026-02-30" is not a date (use YYYY-MM-DD)' }],
    [date, "28.2.2026", { reason: 'due: "28.2.2026" is not a date (use YYYY-MM-DD)' }],
    [yesno, true, { value: true }],
    [yesno, "Yes", { value: true }],
    [yesno, "no", { value: false }],
    [yesno, "ano", { value: true }],
    [yesno, "maybe", { reason: 'onsite: "maybe" is not yes or no' }],
    [pick, "pro", { value: "Pro" }],
    [pick, "Gold", { reason: 'plan: "Gold" is not one of Basic, Pro' }],
    [multi, "windows, linux", { value: ["Linux", "Windows"] }],
    [multi, ["macOS", "macos"], { value: ["macOS"] }],
    [multi, "Linux,BeOS", { reason: 'os: "BeOS" is not one of Linux, macOS, Windows' }],
    [multi, 3, { reason: "os: expected a list of options" }],
    [pick, "", { value: null }],
    [num, null, { value: null }],
  ];
  it.each(cases)("%o ← %o", (field, raw, expected) => {
    const r = parseFieldValue(field, raw);
    if ("value" in expected) expect(r).toEqual({ ok: true, value: expected.value });
    else expect(r).toEqual({ ok: false, reason: expected.reason });
  });
});

describe("checkFields", () => {
  const required = def({ key: "contract", type: "text", required: true });
  const defs = [required, num, pick];
  it("needs required fields on create, not on a change", () => {
    expect(checkFields(defs, { seats: "3" }, { creating: true })).toEqual({ ok: false, field: "contract", reason: "contract: is required" });
    expect(checkFields(defs, { seats: "3" }, { creating: false })).toEqual({ ok: true, values: { seats: 3 } });
    expect(checkFields(defs, { contract: "C-1", plan: "basic" }, { creating: true })).toEqual({ ok: true, values: { contract: "C-1", plan: "Basic" } });
  });
  it("never clears a required field, and names an unknown one", () => {
    expect(checkFields(defs, { contract: "" }, { creating: false })).toEqual({ ok: false, field: "contract", reason: "contract: is required and cannot be cleared" });
    expect(checkFields(defs, { colour: "red" }, { creating: false })).toEqual({ ok: false, field: "colour", reason: 'no case field "colour" (fields: contract, seats, plan)' });
  });
  it("merges a change into the stored values, reporting only what moved", () => {
    expect(mergeFields({ seats: 3, plan: "Pro" }, { seats: 3, plan: null, ref: "x" })).toEqual({ next: { seats: 3, ref: "x" }, changed: ["plan", "ref"] });
    expect(mergeFields({ os: ["Linux"] }, { os: ["Linux"] }).changed).toEqual([]);
  });
});

describe("visibleFields", () => {
  const secret = def({ key: "margin", type: "number", visibility: "agent", label: "Margin" });
  const shown = def({ key: "plan", type: "picklist", options: ["Pro"], visibility: "customer", label: { en: "Plan", cs: "Tarif" } });
  const values = { margin: 12, plan: "Pro" };
  it("shows a customer only customer-visible fields, agents all, in the configuration's order", () => {
    expect(visibleFields([secret, shown], values, "customer", "cs")).toEqual([{ key: "plan", label: "Tarif", value: "Pro" }]);
    expect(visibleFields([secret, shown], values, "agent").map((f) => f.key)).toEqual(["margin", "plan"]);
  });
  it("is agent-only when the configuration does not say", () => {
    expect(visibleFields([def({ key: "x", type: "yesno" })], { x: false }, "customer")).toEqual([]);
    expect(visibleFields([def({ key: "x", type: "yesno" })], { x: false }, "agent")).toEqual([{ key: "x", label: "x", value: "no" }]);
  });
});

describe("products", () => {
  const products = [ProductSchema.parse({ code: "cam-1", name: "Camera" }), ProductSchema.parse({ code: "OLD", name: "Old thing", active: false })];
  it("takes an active code in any case, refuses unknown and inactive ones, clears with none", () => {
    expect(chooseProduct(products, "cam-1")).toEqual({ ok: true, code: "CAM-1" });
    expect(chooseProduct(products, "none")).toEqual({ ok: true, code: null });
    expect(chooseProduct(products, "XYZ")).toEqual({ ok: false, reason: 'product: no product "XYZ" (products: CAM-1)' });
    expect(chooseProduct(products, "old")).toEqual({ ok: false, reason: "product: OLD (Old thing) is no longer offered and cannot be newly set" });
    // The case's own product, restated (a re-import): accepted unchanged even though inactive; any other case refuses it.
    expect(chooseProduct(products, "old", { current: "OLD" })).toEqual({ ok: true, code: "OLD" });
    expect(chooseProduct(products, "old", { current: "CAM-1" })).toEqual({ ok: false, reason: "product: OLD (Old thing) is no longer offered and cannot be newly set" });
    expect(chooseProduct(products, "old", { current: null })).toEqual({ ok: false, reason: "product: OLD (Old thing) is no longer offered and cannot be newly set" });
  });
});

describe("configuration", () => {
  it("accepts fields and products and refuses bad ones naming the field", () => {
    expect(configIssues(minimalConfigDoc({ caseFields: [{ key: "plan", type: "picklist", options: ["A"], visibility: "customer" }], products: [{ code: "P1", name: "One" }] }))).toEqual([]);
    expect(configIssues(minimalConfigDoc({ caseFields: [{ key: "plan", type: "picklist" }] }))).toEqual(['caseFields.0.options: field "plan": a picklist needs options']);
    expect(configIssues(minimalConfigDoc({ caseFields: [{ key: "n", type: "number", options: ["1"] }] }))).toEqual(['caseFields.0.options: field "n": only a picklist has options']);
    expect(configIssues(minimalConfigDoc({ caseFields: [{ key: "product", type: "text" }] }))).toEqual(['caseFields.0.key: field "product": the name is taken by a standard case field']);
    expect(configIssues(minimalConfigDoc({ caseFields: [{ key: "a", type: "text" }, { key: "a", type: "date" }] }))).toEqual(['caseFields.1.key: field "a" is declared twice']);
    expect(configIssues(minimalConfigDoc({ caseFields: [{ key: "a", type: "colour" }] }))[0]).toContain("caseFields.0.type");
    expect(configIssues(minimalConfigDoc({ products: [{ code: "p1", name: "x" }, { code: "P1", name: "y" }] }))).toEqual(['products.1.code: product "P1" is declared twice']);
    expect(configIssues(minimalConfigDoc({ contacts: [{ email: "a@example.com", phone: "call me" }] }))[0]).toContain("contacts.0.phone");
  });
});

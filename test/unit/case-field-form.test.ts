/** Catalogue case fields on customer forms (src/portal/case-field-form.ts): what is offered, read and refused. */
import { describe, expect, it } from "vitest";
import { CaseFieldSchema } from "../../src/case/custom-fields.ts";
import { caseFieldInputs, customerFieldDefs, readCaseFields } from "../../src/portal/case-field-form.ts";

const defs = [
  { key: "contract", type: "text", required: true, visibility: "customer" },
  { key: "seats", type: "number", visibility: "customer" },
  { key: "visit", type: "date", visibility: "customer" },
  { key: "onsite", type: "yesno", visibility: "customer" },
  { key: "plan", type: "picklist", options: ["Basic", "Pro"], visibility: "customer" },
  { key: "os", type: "multipicklist", options: ["Linux", "Windows"], visibility: "customer" },
  { key: "margin", type: "number", required: true },
].map((d) => CaseFieldSchema.parse(d));
const offered = customerFieldDefs(defs);

describe("customerFieldDefs", () => {
  it("offers customer-visible fields only, all or those named in their order", () => {
    expect(offered.map((d) => d.key)).toEqual(["contract", "seats", "visit", "onsite", "plan", "os"]);
    expect(customerFieldDefs(defs, ["plan", "margin", "contract", "ghost"]).map((d) => d.key)).toEqual(["plan", "contract"]);
  });
});

describe("readCaseFields", () => {
  it.each([
    ["valid values, normalised; empty optional ones left out", { "cf.contract": " K-1 ", "cf.seats": "3", "cf.plan": "pro", "cf.onsite": "no", "cf.os.1": "Windows", "cf.visit": "" }, { kind: "ok", values: { contract: "K-1", seats: 3, plan: "Pro", onsite: false, os: ["Windows"] } }],
    ["a missing required field and wrong values, each at its field", { "cf.seats": "x", "cf.visit": "2026-02-30", "cf.plan": "Gold" }, { kind: "invalid", errors: [{ key: "contract", problem: "required" }, { key: "seats", problem: "not-a-number" }, { key: "visit", problem: "not-a-date" }, { key: "plan", problem: "not-an-option" }] }],
    ["an agent-only field (required or not): refused whole", { "cf.contract": "K-1", "cf.margin": "5" }, { kind: "refused", key: "margin" }],
    ["an unknown field", { "cf.contract": "K-1", "cf.nope.2": "x" }, { kind: "refused", key: "nope" }],
    ["other inputs of the form are not its business", { "cf.contract": "K-1", subject: "s", product: "X" }, { kind: "ok", values: { contract: "K-1" } }],
  ])("%s", (_what, body, expected) => {
    expect(readCaseFields(offered, body)).toEqual(expected);
  });

  it("a field offered by the portal but not by this web form is refused there", () => {
    expect(readCaseFields(customerFieldDefs(defs, ["plan"]), { "cf.contract": "K-1" })).toEqual({ kind: "refused", key: "contract" });
  });
});

describe("caseFieldInputs", () => {
  it("keeps what was typed and puts the error at its field, in the page's language", () => {
    const views = caseFieldInputs(offered, "cs", { "cf.seats": "x", "cf.os.0": "Linux", "cf.onsite": "yes" }, [{ key: "seats", problem: "not-a-number" }]);
    expect(views.find((v) => v.key === "seats")).toMatchObject({ value: "x", error: "Zadejte číslo.", inputType: "number", isText: true });
    expect(views.find((v) => v.key === "os")?.options.map((o) => o.checked)).toEqual([true, false]);
    expect(views.find((v) => v.key === "onsite")?.options).toEqual([expect.objectContaining({ value: "yes", label: "Ano", selected: true }), expect.objectContaining({ value: "no", label: "Ne", selected: false })]);
    expect(views.find((v) => v.key === "contract")).toMatchObject({ required: true, requiredLabel: "povinné", error: null });
  });
});

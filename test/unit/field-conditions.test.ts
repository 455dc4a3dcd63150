/**
 * Conditions on custom fields and products (src/case/field-conditions.ts) as the portal's exposure rules use
 * them (src/portal/exposure.ts isExposed; the database side is proven equal by the property test), and their
 * validation at config apply with errors naming the portal, the rule and the field.
 */
import { describe, expect, it } from "vitest";
import { conditionHolds, type FieldCondition } from "../../src/case/field-conditions.ts";
import type { FieldValue } from "../../src/case/custom-fields.ts";
import { isExposed, type ExposableCase, type Viewer } from "../../src/portal/exposure.ts";
import { ExposureSchema } from "../../src/portal/portal-config.ts";
import { configIssues, minimalConfigDoc } from "../support/config-doc.ts";

describe("one condition against one stored value", () => {
  it.each<[string, FieldCondition, FieldValue | undefined, boolean]>([
    ["option equals", "enterprise", "enterprise", true],
    ["option differs", "enterprise", "basic", false],
    ["no value", "enterprise", undefined, false],
    ["one of", ["basic", "enterprise"], "enterprise", true],
    ["one of, none", ["basic", "pro"], "enterprise", false],
    ["list contains the option", "vpn", ["mail", "vpn"], true],
    ["list contains any", ["crm", "vpn"], ["mail", "vpn"], true],
    ["list contains none", ["crm", "erp"], ["mail", "vpn"], false],
    ["yes", true, true, true],
    ["no wanted, yes given", false, true, false],
    ["a text 'true' is not yes", true, "true", false],
    ["number equals", 5, 5, true],
    ["a text '5' is not the number", "5", 5, false],
    ["range inside", { min: 10, max: 50 }, 10, true],
    ["range upper end included", { min: 10, max: 50 }, 50, true],
    ["range above", { max: 50 }, 51, false],
    ["range below", { min: 10 }, 9.5, false],
    ["range on a text", { min: 10 }, "20", false],
  ])("%s", (_name, cond, value, holds) => {
    expect(conditionHolds(cond, value)).toBe(holds);
  });
});

const viewer: Viewer = { contactId: 1, accountId: null, groupIds: [], role: null };
const base: ExposableCase = {
  internal: false,
  status: "NEW",
  priority: "NORMAL",
  type: "QUESTION",
  origin: "API",
  severity: null,
  areaKey: "helpdesk",
  groupId: null,
  groupKey: null,
  accountId: null,
  accountKey: null,
  productCode: "CAM-1",
  customFields: { plan: "enterprise", modules: ["vpn"], seats: 40, onsite: false },
  subject: "S",
  createdAt: new Date(0),
  updatedAt: new Date(0),
  contactIds: [2],
};
const exposed = (rules: unknown[], c: Partial<ExposableCase> = {}, match: "all" | "any" = "all") => isExposed(ExposureSchema.parse({ match, rules }), viewer, { ...base, ...c });

describe("exposure rules on custom fields and products", () => {
  it.each<[string, unknown[], Partial<ExposableCase>, boolean]>([
    ["field equals", [{ fields: { plan: "enterprise" } }], {}, true],
    ["field differs", [{ fields: { plan: "basic" } }], {}, false],
    ["field missing on the case", [{ fields: { plan: "enterprise" } }], { customFields: {} }, false],
    ["all fields of the rule", [{ fields: { plan: "enterprise", onsite: true } }], {}, false],
    ["multipicklist any", [{ fields: { modules: ["mail", "vpn"] } }], {}, true],
    ["number range", [{ fields: { seats: { min: 20, max: 40 } } }], {}, true],
    ["yes/no", [{ fields: { onsite: false } }], {}, true],
    ["product in", [{ field: "product", op: "in", value: ["cam-1", "OLD-9"] }], {}, true],
    ["product is, other", [{ field: "product", op: "is", value: "OLD-9" }], {}, false],
    ["product is not: a case without a product is kept", [{ field: "product", op: "is not", value: "CAM-1" }], { productCode: null }, true],
    ["product in: a case without a product is not", [{ field: "product", op: "in", value: ["CAM-1"] }], { productCode: null }, false],
    ["combined with match any", [{ fields: { plan: "basic" } }, { field: "product", op: "is", value: "CAM-1" }], {}, true],
    ["internal case never", [{ fields: { plan: "enterprise" } }], { internal: true }, false],
  ])("%s", (_name, rules, c, want) => {
    expect(exposed(rules, c, rules.length > 1 ? "any" : "all")).toBe(want);
  });

  it("stores product codes upper-cased, so a re-read is the same", () => {
    const once = ExposureSchema.parse({ rules: [{ field: "product", op: "in", value: ["cam-1"] }] });
    expect(once.rules[0]).toMatchObject({ value: ["CAM-1"] });
    expect(ExposureSchema.parse(JSON.parse(JSON.stringify(once)))).toEqual(once);
  });
});

describe("exposure rules in the configuration", () => {
  const doc = (rules: unknown[]) =>
    minimalConfigDoc({
      caseFields: [
        { key: "plan", type: "picklist", options: ["basic", "enterprise"], visibility: "agent" },
        { key: "onsite", type: "yesno" },
      ],
      products: [{ code: "CAM-1", name: "Camera" }],
      portals: [{ key: "customers", path: "/portal", name: "P", exposure: { rules } }],
    });

  it("accepts rules on an agent-only field and on a product", () => {
    expect(configIssues(doc([{ fields: { plan: "enterprise", onsite: true } }, { field: "product", op: "in", value: ["cam-1"] }]))).toEqual([]);
  });

  it("names the portal, the rule and the field", () => {
    expect(configIssues(doc([{ fields: { plan: "gold" } }, { fields: { colour: "red", onsite: "yes" } }, { field: "product", op: "is", value: "NOPE" }]))).toEqual([
      'portals.0.exposure.rules.0.fields.plan: portal "customers", exposure rule 1: field "plan": "gold" is not one of basic, enterprise',
      'portals.0.exposure.rules.1.fields.colour: portal "customers", exposure rule 2: field "colour": no such case field (fields: plan, onsite)',
      'portals.0.exposure.rules.1.fields.onsite: portal "customers", exposure rule 2: field "onsite": a yes/no field takes true or false',
      'portals.0.exposure.rules.2.value: portal "customers", exposure rule 3: no product "NOPE"',
    ]);
  });

  it("refuses an empty field list and a range without ends", () => {
    expect(configIssues(doc([{ fields: {} }])).join("\n")).toContain("name at least one field");
    expect(configIssues(doc([{ fields: { seats: {} } }])).join("\n")).toContain("portals.0.exposure.rules.0");
  });
});

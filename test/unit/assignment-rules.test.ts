/**
 * Assignment rules (src/routing/assignment-rules.ts): conditions, first match wins, explanations of the
 * others, the regex time limit, and validation at config apply with errors that name the rule.
 */
import { describe, expect, it } from "vitest";
import { evaluateRules, hasWord, type AssignmentRule, type RuleFacts } from "../../src/routing/assignment-rules.ts";
import { REGEX_INPUT_CAP, testRegex } from "../../src/routing/safe-regex.ts";
import { configIssues, minimalConfigDoc } from "../support/config-doc.ts";

const facts: RuleFacts = {
  mailboxKey: "support",
  senderDomain: "acme.test",
  subject: "Invoice 2024-117 is wrong",
  body: "Please correct the VAT on our invoice.",
  language: "cs",
  hasAttachment: true,
  groupKeys: ["vip", "standard"],
  type: "QUESTION",
  fields: { plan: "enterprise", modules: ["vpn", "mail"], onsite: true, seats: 40 },
  productCode: "CAM-1",
};
const rule = (key: string, when: AssignmentRule["when"], then: AssignmentRule["then"] = { team: "billing" }): AssignmentRule => ({ key, when, then });

describe("a rule's conditions", () => {
  it.each<[string, AssignmentRule["when"], string | null]>([
    ["mailbox", { mailbox: ["support"] }, null],
    ["other mailbox", { mailbox: ["sales"] }, 'mailbox "support" is not sales'],
    ["sender domain", { senderDomain: ["globex.test", "acme.test"] }, null],
    ["other sender domain", { senderDomain: ["globex.test"] }, "sender domain acme.test is not globex.test"],
    ["subject word", { subject: { words: ["invoice"] } }, null],
    ["subject word only as part of a word", { subject: { words: ["voice"] } }, 'subject has none of the words "voice"'],
    ["body regex", { body: { regex: "\\bVAT\\b" } }, null],
    ["body regex no match", { body: { regex: "refund" } }, "body does not match /refund/"],
    ["words and regex both needed", { subject: { words: ["invoice"], regex: "^Re:" } }, "subject does not match /^Re:/"],
    ["language", { language: ["cs", "pl"] }, null],
    ["other language", { language: ["en"] }, "language cs is not en"],
    ["attachment present", { hasAttachment: true }, null],
    ["attachment absent wanted", { hasAttachment: false }, "has an attachment"],
    ["any of the requester's groups", { customerGroup: ["standard"] }, null],
    ["group the requester is not in", { customerGroup: ["gold"] }, "requester is in no group of gold (in vip, standard)"],
    ["type", { type: ["QUESTION"] }, null],
    ["other type", { type: ["INCIDENT"] }, "type QUESTION is not INCIDENT"],
    ["all must hold", { senderDomain: ["acme.test"], hasAttachment: false }, "has an attachment"],
    ["picklist field", { fields: { plan: "enterprise" } }, null],
    ["picklist field, one of", { fields: { plan: ["basic", "enterprise"] } }, null],
    ["picklist field, other value", { fields: { plan: "basic" } }, 'field plan is "enterprise", not "basic"'],
    ["multipicklist contains any", { fields: { modules: ["crm", "mail"] } }, null],
    ["multipicklist contains none", { fields: { modules: ["crm", "erp"] } }, 'field modules is [vpn, mail], not "crm" or "erp"'],
    ["yes/no field", { fields: { onsite: true } }, null],
    ["yes/no field, other answer", { fields: { onsite: false } }, "field onsite is true, not no"],
    ["number range", { fields: { seats: { min: 10, max: 50 } } }, null],
    ["number below the range", { fields: { seats: { min: 50 } } }, "field seats is 40, not at least 50"],
    ["field without a value", { fields: { region: "eu" } }, 'field region is empty, not "eu"'],
    ["all fields must hold", { fields: { plan: "enterprise", onsite: false } }, "field onsite is true, not no"],
    ["product", { product: ["OLD-9", "CAM-1"] }, null],
    ["other product", { product: ["OLD-9"] }, "product CAM-1 is not OLD-9"],
  ])("%s", (_name, when, why) => {
    const out = evaluateRules([rule("r", when)], facts);
    expect(out.matched?.key ?? null).toBe(why === null ? "r" : null);
    expect(out.explain).toEqual([why === null ? 'rule "r": matched' : `rule "r": no match (${why})`]);
  });
});

describe("field and product conditions on a case without them (opened by mail)", () => {
  it("never match, and say so", () => {
    const out = evaluateRules([rule("ent", { fields: { plan: "enterprise" } }), rule("cam", { product: ["CAM-1"] })], { ...facts, fields: {}, productCode: null });
    expect(out.matched).toBeNull();
    expect(out.explain).toEqual(['rule "ent": no match (field plan is empty, not "enterprise")', 'rule "cam": no match (product (none) is not CAM-1)']);
  });
});

describe("rules in order", () => {
  it("lets the first matching rule decide and says why the others did not", () => {
    const out = evaluateRules(
      [rule("sales-only", { mailbox: ["sales"] }), rule("invoices", { subject: { words: ["invoice"] } }, { team: "billing", tags: ["billing"] }), rule("czech", { language: ["cs"] })],
      facts,
    );
    expect(out.matched).toEqual({ key: "invoices", then: { team: "billing", tags: ["billing"] } });
    expect(out.explain).toEqual([
      'rule "sales-only": no match (mailbox "support" is not sales)',
      'rule "invoices": matched',
      'rule "czech": not evaluated (rule "invoices" matched first)',
    ]);
  });

  it("matches nothing without rules", () => {
    expect(evaluateRules([], facts)).toEqual({ matched: null, explain: [] });
  });
});

describe("regular expressions with a time limit", () => {
  it("stops a catastrophic pattern and treats it as no match, explained", () => {
    const started = Date.now();
    const out = evaluateRules([rule("evil", { subject: { regex: "^(a+)+$" } })], { ...facts, subject: `${"a".repeat(40)}!` });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(out.matched).toBeNull();
    expect(out.explain[0]).toBe('rule "evil": no match (subject regex /^(a+)+$/ timed out (treated as no match))');
  });

  it("looks only at the first REGEX_INPUT_CAP characters", () => {
    expect(testRegex("needle", `${"x".repeat(REGEX_INPUT_CAP)}needle`)).toBe("no-match");
    expect(testRegex("needle", `${"x".repeat(REGEX_INPUT_CAP - 6)}needle`)).toBe("match");
  });

  it("is case-insensitive and Unicode-aware", () => {
    expect(testRegex("faktura", "FAKTURA č. 5")).toBe("match");
    expect(hasWord("Tiskárna nefunguje", "tiskárna")).toBe(true);
    expect(hasWord("Tiskárnanefunguje", "tiskárna")).toBe(false);
  });
});

describe("assignment rules in the configuration", () => {
  const doc = (rules: unknown[]) => minimalConfigDoc({ teams: [{ key: "billing", name: "Billing" }], assignmentRules: rules });

  it("accepts a valid rule", () => {
    expect(configIssues(doc([{ key: "invoices", when: { subject: { words: ["invoice"] }, hasAttachment: true }, then: { team: "billing", priority: "HIGH", tags: ["billing"], followers: ["alice"] } }]))).toEqual([]);
  });

  it("names the rule in every error", () => {
    const issues = configIssues(
      doc([
        { key: "a", when: { mailbox: ["nope"], customerGroup: ["ghosts"] }, then: { team: "nobody", owner: "zed", area: "nowhere", followers: ["yan"] } },
        { key: "b", when: { subject: { regex: "(unclosed" } }, then: { priority: "HIGH" } },
        { key: "a", when: { hasAttachment: true }, then: { type: "INCIDENT" } },
      ]),
    );
    expect(issues).toEqual([
      "assignmentRules.1.when.subject.regex: rule \"b\": invalid regular expression: Invalid regular expression: /(unclosed/iu: Unterminated group",
      'assignmentRules.2.key: duplicate key "a"',
      'assignmentRules.0.when.mailbox.0: rule "a": unknown mailbox "nope"',
      'assignmentRules.0.when.customerGroup.0: rule "a": unknown customer group "ghosts"',
      'assignmentRules.0.then.area: rule "a": unknown area "nowhere"',
      'assignmentRules.0.then.team: rule "a": unknown team "nobody"',
      'assignmentRules.0.then.owner: rule "a": unknown agent "zed"',
      'assignmentRules.0.then.followers.0: rule "a": unknown agent "yan"',
      'assignmentRules.2.key: duplicate key "a"',
    ].filter((v, i, all) => all.indexOf(v) === i));
  });

  it("checks field and product conditions against the catalogue, naming the rule and the field", () => {
    const catalogue = {
      caseFields: [
        { key: "plan", type: "picklist", options: ["basic", "enterprise"] },
        { key: "margin", type: "number", visibility: "agent" },
        { key: "due", type: "date" },
      ],
      products: [{ code: "CAM-1", name: "Camera" }],
    };
    const withRules = (rules: unknown[]) => minimalConfigDoc({ ...catalogue, teams: [{ key: "billing", name: "Billing" }], assignmentRules: rules });
    expect(configIssues(withRules([{ key: "ok", when: { fields: { plan: "enterprise", margin: { min: 10 } }, product: ["cam-1"] }, then: { team: "billing" } }]))).toEqual([]);
    expect(
      configIssues(
        withRules([
          { key: "bad", when: { fields: { colour: "red", plan: ["gold", "Enterprise"], margin: "high", due: "2026-01-01" }, product: ["NOPE"] }, then: { team: "billing" } },
        ]),
      ),
    ).toEqual([
      'assignmentRules.0.when.fields.colour: rule "bad": field "colour": no such case field (fields: plan, margin, due)',
      'assignmentRules.0.when.fields.plan: rule "bad": field "plan": "gold" is not one of basic, enterprise',
      'assignmentRules.0.when.fields.plan: rule "bad": field "plan": write "Enterprise" as "enterprise"',
      'assignmentRules.0.when.fields.margin: rule "bad": field "margin": a number field takes a number or { min, max }',
      'assignmentRules.0.when.fields.due: rule "bad": field "due": date fields cannot be used in conditions',
      'assignmentRules.0.when.product: rule "bad": no product "NOPE"',
    ]);
  });

  it("rejects a rule without conditions or actions, and unknown fields", () => {
    expect(configIssues(doc([{ key: "empty", when: {}, then: {} }]))).toEqual(["assignmentRules.0.when: name at least one condition", "assignmentRules.0.then: name at least one action"]);
    expect(configIssues(doc([{ key: "x", when: { sender: ["a"] }, then: { team: "billing" } }]))[0]).toContain("assignmentRules.0.when");
  });
});

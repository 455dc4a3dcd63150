/**
 * Assignment rules: evaluated in order before the customer groups' responsibilities; the first rule whose
 * conditions all hold decides, the rest are not evaluated. Pure (regular expressions run through
 * routing/safe-regex.ts with a time limit).
 *
 * Conditions (all given ones must hold; a list means "any of"):
 * - `mailbox`: the mailbox key the mail came in; `senderDomain`: the requester's mail domain (exact);
 * - `subject` / `body`: `words` (any of them, as whole words, case-insensitive) and/or `regex`
 *   (case-insensitive, Unicode, time-limited; a timed-out regex does not match);
 * - `language`: the language the case was written in (subject and description, routing/written-language.ts),
 *   or the requester's contact locale when the text is too short to tell; `hasAttachment`: true or false;
 * - `customerGroup`: any group the requester is in (not only the winning one); `type`: the case type at opening;
 * - `fields`: custom field values given at opening (case/field-conditions.ts: an option, a list meaning any
 *   of them, true/false, a number or `{min, max}`); `product`: the product's code, any of them. A case opened
 *   by mail has neither when the rules run, so it never matches these conditions.
 * Actions: `area`, `team`, `owner`, `priority`, `type`, `tags`, `followers` (agent keys).
 */
import { z } from "zod";
import { testRegex, type RegexOutcome } from "./safe-regex.ts";
import { failingFieldCondition, fieldConditionIssues, FieldConditionsSchema, ProductCodesSchema, unknownProducts } from "../case/field-conditions.ts";
import type { CaseFieldDef, StoredFields } from "../case/custom-fields.ts";

const Key = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "must be lower-case letters, digits, '-' or '_'");
const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/, "must be a mail domain such as example.com");
const CaseType = z.enum(["QUESTION", "INCIDENT", "PROBLEM", "FEATURE_REQUEST"]);
const Priority = z.enum(["LOW", "NORMAL", "HIGH", "URGENT"]);

const TextMatch = z
  .object({ words: z.array(z.string().trim().min(1)).min(1).optional(), regex: z.string().min(1).max(500).optional() })
  .strict()
  .refine((t) => t.words !== undefined || t.regex !== undefined, "give words, a regex, or both");

export const RuleConditionsSchema = z
  .object({
    mailbox: z.array(Key).min(1).optional(),
    senderDomain: z.array(Domain).min(1).optional(),
    subject: TextMatch.optional(),
    body: TextMatch.optional(),
    language: z.array(z.enum(["en", "cs", "pl", "zh"])).min(1).optional(),
    hasAttachment: z.boolean().optional(),
    customerGroup: z.array(Key).min(1).optional(),
    type: z.array(CaseType).min(1).optional(),
    fields: FieldConditionsSchema.optional(),
    product: ProductCodesSchema.optional(),
  })
  .strict()
  .refine((w) => Object.keys(w).length > 0, "name at least one condition");

export const RuleActionsSchema = z
  .object({
    area: Key.optional(),
    team: Key.optional(),
    owner: Key.optional(),
    priority: Priority.optional(),
    type: CaseType.optional(),
    tags: z.array(z.string().regex(/^[\p{L}\p{N}][\p{L}\p{N}_.:-]{0,39}$/u, "a tag is one word of at most 40 letters, digits, '_', '.', ':' or '-'")).min(1).optional(),
    followers: z.array(Key).min(1).optional(),
  })
  .strict()
  .refine((t) => Object.keys(t).length > 0, "name at least one action");

export const AssignmentRuleSchema = z
  .object({ key: Key, when: RuleConditionsSchema, then: RuleActionsSchema })
  .strict()
  .superRefine((rule, ctx) => {
    for (const field of ["subject", "body"] as const) {
      const pattern = rule.when[field]?.regex;
      if (pattern === undefined) continue;
      try {
        testRegex(pattern, "");
      } catch (err) {
        ctx.addIssue({ code: "custom", path: ["when", field, "regex"], message: `rule "${rule.key}": invalid regular expression: ${(err as Error).message}` });
      }
    }
  });

export const AssignmentRulesSchema = z.array(AssignmentRuleSchema);
export type AssignmentRule = z.infer<typeof AssignmentRuleSchema>;
export type RuleActions = AssignmentRule["then"];

/** What is known about a new case when the rules run. */
export interface RuleFacts {
  mailboxKey: string;
  senderDomain: string;
  subject: string;
  body: string;
  language: string;
  hasAttachment: boolean;
  groupKeys: readonly string[];
  type: string;
  /** Custom field values given by the opening channel (API, CLI), already checked; {} when none. */
  fields: StoredFields;
  productCode: string | null;
}

export interface RulesOutcome {
  matched: { key: string; then: RuleActions } | null;
  /** One line per rule: matched, why not, or not evaluated. */
  explain: string[];
}

/** Whether `word` occurs in `text` as a whole word (letters and digits around it end it), case-insensitive. */
export function hasWord(text: string, word: string): boolean {
  const t = text.toLowerCase();
  const w = word.toLowerCase();
  const wordChar = /[\p{L}\p{N}]/u;
  for (let i = t.indexOf(w); i >= 0; i = t.indexOf(w, i + 1)) {
    const before = i === 0 ? "" : t[i - 1]!;
    const after = t[i + w.length] ?? "";
    if (!wordChar.test(before) && !wordChar.test(after)) return true;
  }
  return false;
}

type Regex = (pattern: string, text: string) => RegexOutcome;

function textFails(field: "subject" | "body", m: { words?: string[] | undefined; regex?: string | undefined }, text: string, regex: Regex): string | null {
  if (m.words && !m.words.some((w) => hasWord(text, w))) return `${field} has none of the words ${m.words.map((w) => `"${w}"`).join(", ")}`;
  if (m.regex !== undefined) {
    const r = regex(m.regex, text);
    if (r === "timeout") return `${field} regex /${m.regex}/ timed out (treated as no match)`;
    if (r === "no-match") return `${field} does not match /${m.regex}/`;
  }
  return null;
}

/** The first condition of `when` that does not hold, in a sentence; null when all hold. */
export function firstFailingCondition(when: AssignmentRule["when"], f: RuleFacts, regex: Regex = testRegex): string | null {
  if (when.mailbox && !when.mailbox.includes(f.mailboxKey)) return `mailbox "${f.mailboxKey}" is not ${when.mailbox.join(" or ")}`;
  if (when.senderDomain && !when.senderDomain.includes(f.senderDomain.toLowerCase())) return `sender domain ${f.senderDomain} is not ${when.senderDomain.join(" or ")}`;
  if (when.language && !when.language.includes(f.language as never)) return `language ${f.language} is not ${when.language.join(" or ")}`;
  if (when.hasAttachment !== undefined && when.hasAttachment !== f.hasAttachment) return when.hasAttachment ? "no attachment" : "has an attachment";
  if (when.customerGroup && !when.customerGroup.some((g) => f.groupKeys.includes(g)))
    return `requester is in no group of ${when.customerGroup.join(", ")}${f.groupKeys.length ? ` (in ${f.groupKeys.join(", ")})` : ""}`;
  if (when.type && !when.type.includes(f.type as never)) return `type ${f.type} is not ${when.type.join(" or ")}`;
  if (when.product && (f.productCode === null || !when.product.includes(f.productCode))) return `product ${f.productCode ?? "(none)"} is not ${when.product.join(" or ")}`;
  if (when.fields) {
    const why = failingFieldCondition(when.fields, f.fields);
    if (why) return why;
  }
  // Text last: the cheap conditions above usually decide without running a regex.
  if (when.subject) {
    const why = textFails("subject", when.subject, f.subject, regex);
    if (why) return why;
  }
  if (when.body) {
    const why = textFails("body", when.body, f.body, regex);
    if (why) return why;
  }
  return null;
}

export function evaluateRules(rules: readonly AssignmentRule[], facts: RuleFacts, regex: Regex = testRegex): RulesOutcome {
  const explain: string[] = [];
  let matched: RulesOutcome["matched"] = null;
  for (const rule of rules) {
    if (matched) {
      explain.push(`rule "${rule.key}": not evaluated (rule "${matched.key}" matched first)`);
      continue;
    }
    const why = firstFailingCondition(rule.when, facts, regex);
    if (why === null) {
      matched = { key: rule.key, then: rule.then };
      explain.push(`rule "${rule.key}": matched`);
    } else explain.push(`rule "${rule.key}": no match (${why})`);
  }
  return { matched, explain };
}

/** The configuration keys a rule names, for the cross-reference check at config apply. */
export function ruleReferences(rule: AssignmentRule): { path: (string | number)[]; kind: "mailbox" | "area" | "team" | "agent" | "customer group"; key: string }[] {
  const out: { path: (string | number)[]; kind: "mailbox" | "area" | "team" | "agent" | "customer group"; key: string }[] = [];
  rule.when.mailbox?.forEach((k, j) => out.push({ path: ["when", "mailbox", j], kind: "mailbox", key: k }));
  rule.when.customerGroup?.forEach((k, j) => out.push({ path: ["when", "customerGroup", j], kind: "customer group", key: k }));
  if (rule.then.area) out.push({ path: ["then", "area"], kind: "area", key: rule.then.area });
  if (rule.then.team) out.push({ path: ["then", "team"], kind: "team", key: rule.then.team });
  if (rule.then.owner) out.push({ path: ["then", "owner"], kind: "agent", key: rule.then.owner });
  rule.then.followers?.forEach((k, j) => out.push({ path: ["then", "followers", j], kind: "agent", key: k }));
  return out;
}

/** Field keys, options and product codes a rule names that the catalogue does not have, for config apply. */
export function ruleCatalogueIssues(rule: AssignmentRule, cat: { fields: readonly CaseFieldDef[]; products: readonly { code: string }[] }): { path: (string | number)[]; message: string }[] {
  const out = fieldConditionIssues(cat.fields, rule.when.fields ?? {}).map((i) => ({ path: ["when", "fields", i.key], message: i.message }));
  for (const code of unknownProducts(rule.when.product ?? [], cat.products)) out.push({ path: ["when", "product"], message: `no product "${code}"` });
  return out;
}

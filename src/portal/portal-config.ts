import { z } from "zod";
import { fieldConditionIssues, FieldConditionsSchema, unknownProducts } from "../case/field-conditions.ts";
import type { CaseFieldDef } from "../case/custom-fields.ts";

/**
 * A portal as declared in the helpdesk configuration (`portals[]`) and stored in the Portal table. The same
 * schemas validate the file (mailcase config apply) and the JSON columns on every read, so a hand-edited row
 * can never widen what a portal user sees.
 */
export const PORTAL_LANGUAGES = ["en", "cs", "pl", "zh"] as const;
export type PortalLanguage = (typeof PORTAL_LANGUAGES)[number];

const Key = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "must be lower-case letters, digits, '-' or '_'");
const Colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, "a colour like #1d4ed8");
const SafeUrl = z.string().regex(/^(https:\/\/|\/)[^\s"'<>]*$/, "an https URL or a path starting with /");

export const PortalThemeSchema = z
  .object({
    /** Shown in the header; an https URL (its origin is allowed in the CSP) or a path served by the proxy. */
    logoUrl: SafeUrl.optional(),
    /** Header and button colour; text on it is white, so pick a dark one (contrast is checked by axe in tests). */
    primaryColor: Colour.default("#1d4ed8"),
    /** Legal footer (company, address, registration) shown on every page, e.g. required in the EU. */
    legalFooter: z.string().max(2000).optional(),
    legalLinks: z.array(z.object({ label: z.string().min(1).max(100), url: SafeUrl }).strict()).default([]),
  })
  .strict();
export type PortalTheme = z.infer<typeof PortalThemeSchema>;

/** Case fields a value rule may test, with the operators that make sense for each. */
export const ENUM_FIELDS = ["status", "priority", "type", "origin", "severity"] as const;
export const KEY_FIELDS = ["area", "group", "account", "product"] as const;
export const DATE_FIELDS = ["createdAt", "updatedAt"] as const;
export type EnumField = (typeof ENUM_FIELDS)[number];
export type KeyField = (typeof KEY_FIELDS)[number];
export type DateField = (typeof DATE_FIELDS)[number];

const Role = z.string().min(1).max(50);

const ValueRule = z.discriminatedUnion("op", [
  z.object({ field: z.enum([...ENUM_FIELDS, ...KEY_FIELDS, "subject"]), op: z.enum(["is", "is not"]), value: z.string().min(1), role: Role.optional() }).strict(),
  z.object({ field: z.enum([...ENUM_FIELDS, ...KEY_FIELDS]), op: z.enum(["in", "not in"]), value: z.array(z.string().min(1)).min(1), role: Role.optional() }).strict(),
  z.object({ field: z.literal("subject"), op: z.literal("contains"), value: z.string().min(1), role: Role.optional() }).strict(),
  z.object({ field: z.enum(DATE_FIELDS), op: z.enum(["before", "after"]), value: z.coerce.date(), role: Role.optional() }).strict(),
]);

/**
 * A case field equals a field of the signed-in contact: `case.account = contact.account` is "my company's
 * cases"; `case.group = contact.group` is "cases of any customer group I am in".
 */
const FieldRule = z.union([
  z.object({ field: z.literal("account"), equals: z.literal("contact.account"), role: Role.optional() }).strict(),
  z.object({ field: z.literal("group"), equals: z.literal("contact.group"), role: Role.optional() }).strict(),
]);

/**
 * Conditions on custom case fields (case/field-conditions.ts): `fields: { plan: enterprise, seats: { min: 50 } }`.
 * Keys and options are checked against `caseFields[]` at config apply; an agent-only field may decide what a
 * portal user sees, it is still never shown to them.
 */
const FieldsRule = z.object({ fields: FieldConditionsSchema, role: Role.optional() }).strict();

/** Allowed values of the enum fields (mirrors prisma/schema.prisma; a typo must fail when the file is applied). */
export const ENUM_VALUES: Record<EnumField, readonly string[]> = {
  status: ["NEW", "ASSIGNED", "IN_PROGRESS", "WAITING_ON_CUSTOMER", "RESOLVED", "CLOSED"],
  priority: ["LOW", "NORMAL", "HIGH", "URGENT"],
  type: ["QUESTION", "INCIDENT", "PROBLEM"],
  origin: ["EMAIL", "PORTAL", "WEB", "API", "PHONE"],
  severity: ["MINOR", "MAJOR", "CRITICAL", "BLOCKER"],
};

export const ExposureRuleSchema = z
  .union([ValueRule, FieldRule, FieldsRule])
  .superRefine((rule, ctx) => {
    if (!("op" in rule) || !(ENUM_FIELDS as readonly string[]).includes(rule.field)) return;
    const allowed = ENUM_VALUES[rule.field as EnumField];
    const values = Array.isArray(rule.value) ? rule.value : [rule.value];
    for (const v of values) if (typeof v === "string" && !allowed.includes(v)) ctx.addIssue({ code: "custom", path: ["value"], message: `unknown ${rule.field} "${v}" (one of ${allowed.join(", ")})` });
  })
  // Product codes are upper-cased in the catalogue; written in any case in the file (idempotent on re-read).
  .transform((rule) => ("op" in rule && rule.field === "product" ? { ...rule, value: Array.isArray(rule.value) ? rule.value.map((v) => v.toUpperCase()) : String(rule.value).toUpperCase() } : rule) as typeof rule);
export type ExposureRule = z.infer<typeof ExposureRuleSchema>;

/**
 * Beyond their own cases (requester or Cc, always), a portal user sees the cases that satisfy the rules
 * that apply to them (`all` of them, or `any`); a rule with a `role` applies only to contacts with that
 * role. No applicable rule: own cases only. Internal cases (`#portal off`) never.
 */
export const ExposureSchema = z
  .object({
    match: z.enum(["all", "any"]).default("all"),
    rules: z.array(ExposureRuleSchema).default([]),
  })
  .strict();
export type Exposure = z.infer<typeof ExposureSchema>;

export const PortalConfigSchema = z
  .object({
    key: Key,
    /** URL path, e.g. /portal or /partners. */
    path: z.string().regex(/^\/[a-z0-9][a-z0-9/_-]*$/, "a path like /portal").refine((p) => !p.endsWith("/"), "no trailing slash"),
    name: z.string().min(1).max(100),
    languages: z.array(z.enum(PORTAL_LANGUAGES)).min(1).default([...PORTAL_LANGUAGES]),
    theme: PortalThemeSchema.default({ primaryColor: "#1d4ed8", legalLinks: [] }),
    exposure: ExposureSchema.default({ match: "all", rules: [] }),
    /**
     * Self-registration (off by default): an address in the domains of these accounts may sign in without
     * being listed with `portal: true`; the contact gets portal access when they use the mailed link or code.
     */
    selfRegistration: z.object({ accounts: z.array(Key).min(1) }).strict().optional(),
  })
  .strict();
export type PortalConfig = z.infer<typeof PortalConfigSchema>;

/** A portal as the web process uses it (from the Portal row, JSON columns validated). */
export interface PortalDef {
  key: string;
  path: string;
  name: string;
  languages: PortalLanguage[];
  theme: PortalTheme;
  exposure: Exposure;
  /** Account keys whose domains may self-register; empty: only listed portal users. */
  selfRegistrationAccounts: string[];
}

/** Exposure as stored (dates as ISO strings). */
export function exposureJson(e: Exposure): { match: string; rules: Record<string, unknown>[] } {
  return { match: e.match, rules: e.rules.map((r) => ("value" in r && r.value instanceof Date ? { ...r, value: r.value.toISOString() } : { ...r })) };
}

/** Field keys, options and product codes an exposure rule names that the catalogue does not have, for config apply. */
export function exposureRuleCatalogueIssues(rule: ExposureRule, cat: { fields: readonly CaseFieldDef[]; products: readonly { code: string }[] }): { path: (string | number)[]; message: string }[] {
  if ("fields" in rule) return fieldConditionIssues(cat.fields, rule.fields).map((i) => ({ path: ["fields", i.key], message: i.message }));
  if (!("op" in rule) || rule.field !== "product") return [];
  return unknownProducts(Array.isArray(rule.value) ? rule.value : [String(rule.value)], cat.products).map((code) => ({ path: ["value"], message: `no product "${code}"` }));
}

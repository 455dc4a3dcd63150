/**
 * Conditions on a case's custom field values (`fields:` in portal exposure rules and in assignment rules).
 * Pure: the schema, the check against the field definitions at `config apply`, and whether a case's stored
 * values satisfy the conditions (with the reason when not, for `route --explain`).
 *
 * One condition per field key, all of them must hold:
 * - `"enterprise"`          the value is this option (picklist, text), or contains it (multipicklist);
 * - `["a", "b"]`            the value is one of them, or (multipicklist) contains any of them;
 * - `true` / `false`        a yes/no field;
 * - `5`                     a number field equals it;
 * - `{ min: 10, max: 50 }`  a number field within the range, both ends included (either may be left out).
 * A case without a value for the field never satisfies its condition.
 *
 * The meaning of a condition is decided by its shape, not by the field's type, so the database filter
 * (portal/exposure.ts) compiles it without the definitions and agrees with this check on any stored JSON,
 * even values written before a field changed type: "is X" matches the value X or a list containing X.
 */
import { z } from "zod";
import type { CaseFieldDef, FieldValue, StoredFields } from "./custom-fields.ts";

const FieldKey = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, "a case field key");
const Range = z
  .object({ min: z.number().finite().optional(), max: z.number().finite().optional() })
  .strict()
  .refine((r) => r.min !== undefined || r.max !== undefined, "give min, max or both")
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, "min is above max");

export const FieldConditionSchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1), z.boolean(), z.number().finite(), Range]);
export type FieldCondition = z.infer<typeof FieldConditionSchema>;

export const FieldConditionsSchema = z.record(FieldKey, FieldConditionSchema).refine((c) => Object.keys(c).length > 0, "name at least one field");
export type FieldConditions = z.infer<typeof FieldConditionsSchema>;

/** Product codes as a condition: upper-cased like the catalogue's (custom-fields.ts ProductSchema). */
export const ProductCodesSchema = z.array(z.string().trim().min(1).transform((c) => c.toUpperCase())).min(1);

const isRange = (c: FieldCondition): c is { min?: number | undefined; max?: number | undefined } => typeof c === "object" && !Array.isArray(c);

/** Whether one stored value (undefined: none) satisfies one condition. */
export function conditionHolds(cond: FieldCondition, value: FieldValue | undefined): boolean {
  if (value === undefined) return false;
  if (typeof cond === "string" || Array.isArray(cond)) {
    const wanted = typeof cond === "string" ? [cond] : cond;
    return wanted.some((w) => value === w || (Array.isArray(value) && value.includes(w)));
  }
  if (typeof cond === "boolean" || typeof cond === "number") return value === cond;
  if (typeof value !== "number") return false;
  return (cond.min === undefined || value >= cond.min) && (cond.max === undefined || value <= cond.max);
}

export function describeCondition(cond: FieldCondition): string {
  if (typeof cond === "string") return `"${cond}"`;
  if (Array.isArray(cond)) return cond.map((c) => `"${c}"`).join(" or ");
  if (typeof cond === "boolean") return cond ? "yes" : "no";
  if (typeof cond === "number") return String(cond);
  if (cond.min !== undefined && cond.max !== undefined) return `${cond.min} to ${cond.max}`;
  return cond.min !== undefined ? `at least ${cond.min}` : `at most ${cond.max}`;
}

const shown = (v: FieldValue | undefined): string => (v === undefined ? "empty" : Array.isArray(v) ? `[${v.join(", ")}]` : JSON.stringify(v));

/** The first condition the values do not satisfy, in a sentence; null when all hold. */
export function failingFieldCondition(conds: FieldConditions, values: StoredFields): string | null {
  for (const [key, cond] of Object.entries(conds)) {
    if (!conditionHolds(cond, values[key])) return `field ${key} is ${shown(values[key])}, not ${describeCondition(cond)}`;
  }
  return null;
}

/**
 * What is wrong with conditions given the field definitions, one message per problem, naming the field:
 * an unknown key, a shape that makes no sense for the field's type, an option the picklist does not have.
 * Agent-only fields are allowed: a condition decides, it never shows the value.
 */
export function fieldConditionIssues(defs: readonly CaseFieldDef[], conds: FieldConditions): Array<{ key: string; message: string }> {
  const out: Array<{ key: string; message: string }> = [];
  for (const [key, cond] of Object.entries(conds)) {
    const def = defs.find((d) => d.key === key);
    const bad = (message: string) => out.push({ key, message: `field "${key}": ${message}` });
    if (!def) {
      bad(`no such case field${defs.length ? ` (fields: ${defs.map((d) => d.key).join(", ")})` : ""}`);
      continue;
    }
    const strings = typeof cond === "string" ? [cond] : Array.isArray(cond) ? cond : null;
    switch (def.type) {
      case "picklist":
      case "multipicklist":
        if (strings === null) bad(`a ${def.type} takes an option or a list of options`);
        for (const s of strings ?? []) {
          if (def.options?.includes(s)) continue;
          const spelled = def.options?.find((o) => o.toLowerCase() === s.toLowerCase());
          bad(spelled ? `write "${s}" as "${spelled}"` : `"${s}" is not one of ${(def.options ?? []).join(", ")}`);
        }
        break;
      case "text":
        if (strings === null) bad("a text field takes a value or a list of values");
        break;
      case "yesno":
        if (typeof cond !== "boolean") bad("a yes/no field takes true or false");
        break;
      case "number":
        if (typeof cond !== "number" && !isRange(cond)) bad("a number field takes a number or { min, max }");
        break;
      case "date":
        bad("date fields cannot be used in conditions");
        break;
    }
  }
  return out;
}

/** Product codes a condition names that the catalogue does not have (inactive products still count: cases keep them). */
export function unknownProducts(codes: readonly string[], catalogue: readonly { code: string }[]): string[] {
  return codes.filter((c) => !catalogue.some((p) => p.code === c));
}

/**
 * Custom case fields and the product catalogue, as the configuration declares them (`caseFields[]`,
 * `products[]`). Pure: the definitions' schema, parsing one value for one field with the reason it is wrong,
 * checking a set of values (required ones on create), and which fields an audience may see.
 *
 * Values arrive typed from the API (JSON) and as text from the CLI, the mail command `#set` and HTML forms,
 * so every parser accepts both. A value is stored normalised (dates as YYYY-MM-DD, picklist values spelled
 * as the configuration spells the option), so exports, rules and displays compare like with like.
 */
import { z } from "zod";

export const FIELD_TYPES = ["text", "number", "date", "yesno", "picklist", "multipicklist"] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
const Locale = z.enum(["en", "cs", "pl", "zh"]);
/** Names the case's own settable things take in `#set` and `--field`: a custom field may not shadow them. */
export const RESERVED_FIELD_KEYS = ["product", "status", "priority", "severity", "type", "owner", "team", "reason", "portal", "sla", "phone"] as const;
export const TEXT_MAX = 1000;

export const CaseFieldSchema = z
  .object({
    key: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, "must start with a lower-case letter, then letters, digits or '_' (at most 40)"),
    /** One label, or one per language (a missing language falls back to English, then the key). */
    label: z.union([z.string().trim().min(1).max(100), z.partialRecord(Locale, z.string().trim().min(1).max(100))]).optional(),
    type: z.enum(FIELD_TYPES),
    options: z.array(z.string().trim().min(1).max(100)).optional(),
    /** Required on create from the API, the portal and the CLI (a case opened by mail cannot supply it). */
    required: z.boolean().default(false),
    /** customer: shown to the case's contacts (portal, customer mail) and settable on portal forms; agent: agents only. */
    visibility: z.enum(["customer", "agent"]).default("agent"),
  })
  .strict()
  .superRefine((f, ctx) => {
    const picklist = f.type === "picklist" || f.type === "multipicklist";
    if ((RESERVED_FIELD_KEYS as readonly string[]).includes(f.key)) ctx.addIssue({ code: "custom", path: ["key"], message: `field "${f.key}": the name is taken by a standard case field` });
    if (picklist && (f.options ?? []).length === 0) ctx.addIssue({ code: "custom", path: ["options"], message: `field "${f.key}": a ${f.type} needs options` });
    if (!picklist && f.options !== undefined) ctx.addIssue({ code: "custom", path: ["options"], message: `field "${f.key}": only a picklist has options` });
    const seen = new Set<string>();
    for (const o of f.options ?? []) {
      if (seen.has(o.toLowerCase())) ctx.addIssue({ code: "custom", path: ["options"], message: `field "${f.key}": option "${o}" is listed twice` });
      seen.add(o.toLowerCase());
      if (f.type === "multipicklist" && o.includes(",")) ctx.addIssue({ code: "custom", path: ["options"], message: `field "${f.key}": option "${o}" contains a comma (commas separate a multipicklist's values)` });
    }
  });
export type CaseFieldDef = z.infer<typeof CaseFieldSchema>;

export const ProductSchema = z
  .object({
    code: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/, "letters, digits, '.', '-' or '_' (at most 40)").transform((c) => c.toUpperCase()),
    name: z.string().trim().min(1).max(200),
    /** An inactive product stays on the cases that have it but cannot be newly set. */
    active: z.boolean().default(true),
  })
  .strict();
export type ProductDef = z.infer<typeof ProductSchema>;

export const FieldValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);
export type FieldValue = z.infer<typeof FieldValueSchema>;
/** Values as stored on the case (JSONB), keyed by field key. */
export const StoredFieldsSchema = z.record(z.string(), FieldValueSchema);
export type StoredFields = z.infer<typeof StoredFieldsSchema>;

export type FieldParse = { ok: true; value: FieldValue | null } | { ok: false; reason: string };

const YES = new Set(["yes", "y", "true", "1", "on", "ano", "tak", "是"]);
const NO = new Set(["no", "n", "false", "0", "off", "ne", "nie", "否"]);

function isRealDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

function option(def: CaseFieldDef, raw: string): string | undefined {
  return def.options?.find((o) => o.toLowerCase() === raw.trim().toLowerCase());
}

/**
 * One value for one field: null (or empty text) clears it; otherwise the normalised value, or why not.
 * `required` is not checked here: clearing a required field is refused by `checkFields`.
 */
export function parseFieldValue(def: CaseFieldDef, raw: unknown): FieldParse {
  const bad = (reason: string): FieldParse => ({ ok: false, reason: `${def.key}: ${reason}` });
  if (raw === null || raw === undefined || (typeof raw === "string" && raw.trim() === "")) return { ok: true, value: null };
  switch (def.type) {
    case "text": {
      if (typeof raw !== "string" && typeof raw !== "number") return bad("expected text");
      const text = String(raw).trim();
      if (text.length > TEXT_MAX) return bad(`at most ${TEXT_MAX} characters`);
      if (/[\r\n]/.test(text)) return bad("one line of text");
      return { ok: true, value: text };
    }
    case "number": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" && /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
      return Number.isFinite(n) ? { ok: true, value: n } : bad(`"${String(raw)}" is not a number`);
    }
    case "date": {
      const s = typeof raw === "string" ? raw.trim() : "";
      return isRealDate(s) ? { ok: true, value: s } : bad(`"${String(raw)}" is not a date (use YYYY-MM-DD)`);
    }
    case "yesno": {
      if (typeof raw === "boolean") return { ok: true, value: raw };
      const s = typeof raw === "string" ? raw.trim().toLowerCase() : "";
      if (YES.has(s)) return { ok: true, value: true };
      if (NO.has(s)) return { ok: true, value: false };
      return bad(`"${String(raw)}" is not yes or no`);
    }
    case "picklist": {
      const o = typeof raw === "string" ? option(def, raw) : undefined;
      return o !== undefined ? { ok: true, value: o } : bad(`"${String(raw)}" is not one of ${(def.options ?? []).join(", ")}`);
    }
    case "multipicklist": {
      const items = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(",") : null;
      if (items === null || !items.every((i): i is string => typeof i === "string")) return bad("expected a list of options");
      const values: string[] = [];
      for (const item of items.map((i) => i.trim()).filter((i) => i !== "")) {
        const o = option(def, item);
        if (o === undefined) return bad(`"${item}" is not one of ${(def.options ?? []).join(", ")}`);
        if (!values.includes(o)) values.push(o);
      }
      // Stored in the configuration's order, so the same choice is always the same value.
      values.sort((a, b) => (def.options ?? []).indexOf(a) - (def.options ?? []).indexOf(b));
      return { ok: true, value: values.length ? values : null };
    }
  }
}

export type FieldsCheck = { ok: true; values: Record<string, FieldValue | null> } | { ok: false; field: string; reason: string };

/**
 * A set of values given by one request: every key must be a declared field and every value valid; on create
 * every required field must be given, and a required field can never be cleared. The first problem wins
 * (the caller names its field).
 */
export function checkFields(defs: readonly CaseFieldDef[], input: Readonly<Record<string, unknown>>, opts: { creating: boolean }): FieldsCheck {
  const values: Record<string, FieldValue | null> = {};
  for (const [key, raw] of Object.entries(input)) {
    const def = defs.find((d) => d.key === key);
    if (!def) return { ok: false, field: key, reason: `no case field "${key}"${defs.length ? ` (fields: ${defs.map((d) => d.key).join(", ")})` : ""}` };
    const parsed = parseFieldValue(def, raw);
    if (!parsed.ok) return { ok: false, field: key, reason: parsed.reason };
    if (parsed.value === null && def.required) return { ok: false, field: key, reason: `${key}: is required and cannot be cleared` };
    values[key] = parsed.value;
  }
  if (opts.creating) {
    const missing = defs.find((d) => d.required && (values[d.key] === undefined || values[d.key] === null));
    if (missing) return { ok: false, field: missing.key, reason: `${missing.key}: is required` };
  }
  return { ok: true, values };
}

/** The stored values after a change (null clears), and the keys whose value moved. */
export function mergeFields(current: StoredFields, change: Readonly<Record<string, FieldValue | null>>): { next: StoredFields; changed: string[] } {
  const next: StoredFields = { ...current };
  const changed: string[] = [];
  for (const [key, value] of Object.entries(change)) {
    const before = current[key];
    if (JSON.stringify(before ?? null) === JSON.stringify(value)) continue;
    if (value === null) delete next[key];
    else next[key] = value;
    changed.push(key);
  }
  return { next, changed };
}

/** Stored JSON read back; anything malformed (it never should be) reads as no values rather than failing a page. */
export function storedFields(json: unknown): StoredFields {
  const parsed = StoredFieldsSchema.safeParse(json);
  return parsed.success ? parsed.data : {};
}

export function fieldLabel(def: CaseFieldDef, locale: string): string {
  if (typeof def.label === "string") return def.label;
  const labels: Partial<Record<string, string>> = def.label ?? {};
  return labels[locale] ?? labels["en"] ?? def.key;
}

export function displayValue(value: FieldValue): string {
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}

export interface ShownField {
  key: string;
  label: string;
  value: string;
}

/**
 * The fields an audience sees, in the configuration's order: agents see every field, a customer only those
 * declared `visibility: customer`. Every customer-facing page and mail gets its fields from here.
 */
export function visibleFields(defs: readonly CaseFieldDef[], values: StoredFields, audience: "customer" | "agent", locale = "en"): ShownField[] {
  return defs
    .filter((d) => audience === "agent" || d.visibility === "customer")
    .flatMap((d) => {
      const v = values[d.key];
      return v === undefined ? [] : [{ key: d.key, label: fieldLabel(d, locale), value: displayValue(v) }];
    });
}

export type ProductChoice = { ok: true; code: string | null } | { ok: false; reason: string };

/**
 * A product to set on a case: a known, active code (any case), or null/"" to remove it. `current`: the code the
 * case already has; restating it is no new setting, so it is accepted even when that product became inactive
 * (a re-imported export carries the products its cases had).
 */
export function chooseProduct(products: readonly ProductDef[], raw: string | null, opts: { current?: string | null } = {}): ProductChoice {
  if (raw === null || raw.trim() === "" || raw.trim().toLowerCase() === "none") return { ok: true, code: null };
  const code = raw.trim().toUpperCase();
  const p = products.find((x) => x.code === code);
  if (!p) return { ok: false, reason: `product: no product "${raw.trim()}"${products.some((x) => x.active) ? ` (products: ${products.filter((x) => x.active).map((x) => x.code).join(", ")})` : ""}` };
  if (!p.active && p.code !== opts.current) return { ok: false, reason: `product: ${p.code} (${p.name}) is no longer offered and cannot be newly set` };
  return { ok: true, code: p.code };
}

/** Duplicate keys and codes across the lists, for the configuration's cross-checks. */
export function catalogueIssues(fields: readonly CaseFieldDef[], products: readonly ProductDef[]): Array<{ path: (string | number)[]; message: string }> {
  const issues: Array<{ path: (string | number)[]; message: string }> = [];
  const keys = new Set<string>();
  fields.forEach((f, i) => {
    if (keys.has(f.key)) issues.push({ path: ["caseFields", i, "key"], message: `field "${f.key}" is declared twice` });
    keys.add(f.key);
  });
  const codes = new Set<string>();
  products.forEach((p, i) => {
    if (codes.has(p.code)) issues.push({ path: ["products", i, "code"], message: `product "${p.code}" is declared twice` });
    codes.add(p.code);
  });
  return issues;
}

const PRODUCT_LABEL: Readonly<Record<string, string>> = { en: "Product", cs: "Produkt", pl: "Produkt", zh: "产品" };

/** The case's product as one more shown field (products are visible to customers like the case itself). */
export function productField(product: { code: string; name: string } | null, locale = "en"): ShownField[] {
  return product ? [{ key: "product", label: PRODUCT_LABEL[locale] ?? "Product", value: `${product.name} (${product.code})` }] : [];
}

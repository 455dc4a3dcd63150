import { z } from "zod";
import { CASE_TYPE_CHOICES } from "../kernel/domain-types.ts";
import { PORTAL_LANGUAGES, type PortalLanguage } from "./portal-config.ts";

/**
 * Public web-to-case forms (`webForms[]` in the configuration), served at /forms/<key> without an account.
 * The same schema validates the file (mailcase config apply) and the stored row on every read (WebForm.definition),
 * so a hand-edited row cannot switch a defence off.
 *
 * Built-in fields every form has: email, name, subject, description. `fields` adds custom ones, validated by
 * their type (web-form-fields.ts) and written into the case description, labelled, so an agent sees them.
 */

const Key = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "must be lower-case letters, digits, '-' or '_'");
/** Names of the built-in fields and of the form's own machinery: a custom field may not take them. */
export const RESERVED_FIELD_KEYS = ["email", "name", "subject", "description", "token", "altcha", "attachments", "lang"] as const;

/** A text in one language for every form language, or one text for all. `en` is the fallback. */
const Localized = z.union([
  z.string().min(1).max(4000),
  z
    .object({ en: z.string().min(1).max(4000), cs: z.string().min(1).max(4000).optional(), pl: z.string().min(1).max(4000).optional(), zh: z.string().min(1).max(4000).optional() })
    .strict(),
]);
export type Localized = z.infer<typeof Localized>;

export function localize(text: Localized | undefined, lang: PortalLanguage): string {
  if (text === undefined) return "";
  return typeof text === "string" ? text : (text[lang] ?? text.en);
}

const FieldKey = Key.max(40).refine((k) => !(RESERVED_FIELD_KEYS as readonly string[]).includes(k), "is a built-in field name");
const common = { key: FieldKey, label: Localized, help: Localized.optional(), required: z.boolean().default(false) };

/** A regular expression given in the file must compile (reported at its field, not at the first submission). */
const Pattern = z.string().min(1).max(200).refine((p) => {
  try {
    new RegExp(`^(?:${p})$`, "u");
    return true;
  } catch {
    return false;
  }
}, "is not a valid regular expression");

export const WebFormFieldSchema = z.discriminatedUnion("type", [
  z.object({ ...common, type: z.literal("text"), maxLength: z.number().int().min(1).max(1000).default(200), pattern: Pattern.optional() }).strict(),
  z.object({ ...common, type: z.literal("textarea"), maxLength: z.number().int().min(1).max(10_000).default(4000) }).strict(),
  z.object({ ...common, type: z.literal("number"), min: z.number().optional(), max: z.number().optional(), integer: z.boolean().default(false) }).strict(),
  z.object({ ...common, type: z.literal("email") }).strict(),
  z.object({ ...common, type: z.literal("date"), min: z.iso.date().optional(), max: z.iso.date().optional() }).strict(),
  z.object({ ...common, type: z.literal("select"), options: z.array(z.object({ value: z.string().min(1).max(100), label: Localized }).strict()).min(1).max(100) }).strict(),
  z.object({ ...common, type: z.literal("checkbox") }).strict(),
]);
export type WebFormField = z.infer<typeof WebFormFieldSchema>;

export const WebFormLimitsSchema = z
  .object({
    /** Submissions per client IP (Zammad's defaults as the baseline). */
    perIpPerHour: z.number().int().min(1).default(20),
    perIpPerDay: z.number().int().min(1).default(240),
    /** Submissions naming one address (someone else's address cannot be flooded with confirmation mails). */
    perAddressPerHour: z.number().int().min(1).default(5),
    /** All submissions of this form together. */
    globalPerDay: z.number().int().min(1).default(5000),
    /** Without the proof of work (no JavaScript), per client IP: the slower path is also the rarer one. */
    noScriptPerIpPerHour: z.number().int().min(1).default(5),
  })
  .strict();

const DEFAULT_TYPES = ["image/png", "image/jpeg", "image/gif", "application/pdf", "text/plain"];
export const WebFormAttachmentsSchema = z
  .object({
    /** 0: the form takes no files. */
    maxFiles: z.number().int().min(0).max(10).default(3),
    maxFileBytes: z.number().int().min(1).max(25 * 1024 * 1024).default(5 * 1024 * 1024),
    /** Content types accepted (as declared by the browser and checked against the file's first bytes). */
    types: z.array(z.string().regex(/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/, "a content type like application/pdf")).min(1).default(DEFAULT_TYPES),
  })
  .strict();

export const WebFormConfigSchema = z
  .object({
    /** Served at /forms/<key> ("assets" and "confirm" are the form pages' own paths). */
    key: Key.max(60).refine((k) => k !== "assets" && k !== "confirm", "is reserved"),
    title: Localized,
    intro: Localized.optional(),
    /** The mailbox the case belongs to (its address sends the acknowledgement and the confirmation mail). */
    mailbox: Key,
    /** The area the case is routed in; default: the mailbox's, then the settings' default area. */
    area: Key.optional(),
    /** The case type given to cases of this form. */
    caseType: z.enum(CASE_TYPE_CHOICES).default("QUESTION"),
    languages: z.array(z.enum(PORTAL_LANGUAGES)).min(1).default([...PORTAL_LANGUAGES]),
    /** Shown after a submission (and after the confirmation). */
    thankYou: Localized,
    fields: z.array(WebFormFieldSchema).max(30).default([]),
    /**
     * Catalogue case fields (`caseFields[].key`) the form also asks for, in this order: customer-visible ones
     * only (checked at config apply), validated as on every channel and stored on the case as its field values.
     */
    caseFields: z.array(z.string().min(1).max(40)).max(30).default([]),
    /**
     * Sites that may embed the form in a frame (CSP frame-ancestors): https origins, or "'self'".
     * Empty: the form cannot be framed at all.
     */
    frameAncestors: z.array(z.union([z.literal("'self'"), z.string().regex(/^https:\/\/[a-z0-9.-]+(:\d+)?$/, "an https origin like https://www.example.com")])).default([]),
    /** A person needs a few seconds to fill a form; a faster submission is a bot. */
    minFillSeconds: z.number().int().min(0).max(600).default(3),
    /** Without the proof of work (no JavaScript) the form must have been open at least this long. */
    noScriptMinFillSeconds: z.number().int().min(0).max(3600).default(20),
    /** How long a served form (its signed token) may be submitted. */
    tokenTtlMinutes: z.number().int().min(1).max(7 * 24 * 60).default(120),
    /** Proof of work (ALTCHA, PBKDF2/SHA-256): work = cost × counter; a phone should need a second or two. */
    pow: z.object({ cost: z.number().int().min(1).max(100_000).default(500), maxCounter: z.number().int().min(2).max(1_000_000).default(2000) }).strict().default({ cost: 500, maxCounter: 2000 }),
    /** How long the link mailed to an unknown sender confirms the request. */
    confirmHours: z.number().int().min(1).max(24 * 14).default(24),
    limits: WebFormLimitsSchema.default({ perIpPerHour: 20, perIpPerDay: 240, perAddressPerHour: 5, globalPerDay: 5000, noScriptPerIpPerHour: 5 }),
    attachments: WebFormAttachmentsSchema.default({ maxFiles: 3, maxFileBytes: 5 * 1024 * 1024, types: DEFAULT_TYPES }),
  })
  .strict()
  .superRefine((form, ctx) => {
    const seen = new Set<string>();
    form.fields.forEach((f, i) => {
      if (seen.has(f.key)) ctx.addIssue({ code: "custom", path: ["fields", i, "key"], message: `duplicate field "${f.key}"` });
      seen.add(f.key);
      if (f.type === "number" && f.min !== undefined && f.max !== undefined && f.min > f.max) ctx.addIssue({ code: "custom", path: ["fields", i, "max"], message: "is below min" });
    });
    if (form.noScriptMinFillSeconds < form.minFillSeconds) ctx.addIssue({ code: "custom", path: ["noScriptMinFillSeconds"], message: "must be at least minFillSeconds" });
  });
export type WebFormConfig = z.infer<typeof WebFormConfigSchema>;

/** Cross references of the forms (mailbox and area keys), reported at the field that names them. */
export function webFormReferenceIssues(
  forms: readonly WebFormConfig[],
  known: { mailboxes: ReadonlySet<string>; areas: ReadonlySet<string>; caseFields: ReadonlyMap<string, "customer" | "agent"> },
): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  const keys = new Set<string>();
  forms.forEach((f, i) => {
    if (keys.has(f.key)) out.push({ path: ["webForms", i, "key"], message: `duplicate key "${f.key}"` });
    keys.add(f.key);
    if (!known.mailboxes.has(f.mailbox)) out.push({ path: ["webForms", i, "mailbox"], message: `unknown mailbox "${f.mailbox}"` });
    if (f.area !== undefined && !known.areas.has(f.area)) out.push({ path: ["webForms", i, "area"], message: `unknown area "${f.area}"` });
    // A public form is the customer's side: an agent-only field on it would let anyone set what agents keep.
    const listed = new Set<string>();
    f.caseFields.forEach((key, j) => {
      const visibility = known.caseFields.get(key);
      if (visibility === undefined) out.push({ path: ["webForms", i, "caseFields", j], message: `unknown case field "${key}"` });
      else if (visibility !== "customer") out.push({ path: ["webForms", i, "caseFields", j], message: `case field "${key}" is visible to agents only: a web form may ask only for customer-visible fields` });
      if (listed.has(key)) out.push({ path: ["webForms", i, "caseFields", j], message: `case field "${key}" is listed twice` });
      listed.add(key);
    });
  });
  return out;
}

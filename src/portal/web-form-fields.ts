/**
 * Reads a web-form submission: the built-in fields (email, name, subject, description) and the form's custom
 * fields, each checked by its type. Every problem is reported with the field it concerns (shown next to that
 * field); nothing the form did not declare is read, so no server-controlled field can be set from outside.
 * Pure.
 */
import { z } from "zod";
import { DESCRIPTION_MAX, SUBJECT_MAX } from "../case/open-case.ts";
import { localize, type WebFormConfig, type WebFormField } from "./web-form-config.ts";
import type { PortalLanguage } from "./portal-config.ts";

export type FieldProblem = "required" | "invalid-email" | "too-long" | "not-a-number" | "not-an-integer" | "below-min" | "above-max" | "no-match" | "not-an-option" | "not-a-date";

export interface FieldError {
  field: string;
  problem: FieldProblem;
}

export interface CustomValue {
  key: string;
  /** The label in English, as written into the case for agents. */
  label: string;
  value: string;
}

export interface Submission {
  email: string;
  name: string | null;
  subject: string;
  description: string;
  fields: CustomValue[];
}

export type Body = Readonly<Record<string, string | undefined>>;

const EmailSchema = z.email();
export const NAME_MAX = 200;

export function readSubmission(form: WebFormConfig, body: Body): { kind: "ok"; submission: Submission } | { kind: "invalid"; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const text = (key: string) => (body[key] ?? "").trim();
  const email = text("email").toLowerCase();
  if (!email) errors.push({ field: "email", problem: "required" });
  else if (email.length > 254 || !EmailSchema.safeParse(email).success) errors.push({ field: "email", problem: "invalid-email" });
  const name = text("name");
  if (name.length > NAME_MAX) errors.push({ field: "name", problem: "too-long" });
  const subject = text("subject");
  if (!subject) errors.push({ field: "subject", problem: "required" });
  else if (subject.length > SUBJECT_MAX) errors.push({ field: "subject", problem: "too-long" });
  const description = text("description");
  if (!description) errors.push({ field: "description", problem: "required" });
  else if (description.length > DESCRIPTION_MAX) errors.push({ field: "description", problem: "too-long" });

  const fields: CustomValue[] = [];
  for (const f of form.fields) {
    const raw = text(f.key);
    const problem = checkField(f, raw);
    if (problem) errors.push({ field: f.key, problem });
    else if (raw !== "" || f.type === "checkbox") fields.push({ key: f.key, label: localize(f.label, "en"), value: shown(f, raw) });
  }
  if (errors.length > 0) return { kind: "invalid", errors };
  return { kind: "ok", submission: { email, name: name || null, subject, description, fields } };
}

function checkField(f: WebFormField, raw: string): FieldProblem | null {
  if (f.type === "checkbox") return f.required && raw === "" ? "required" : null;
  if (raw === "") return f.required ? "required" : null;
  switch (f.type) {
    case "text":
      if (raw.length > f.maxLength) return "too-long";
      if (f.pattern !== undefined && !new RegExp(`^(?:${f.pattern})$`, "u").test(raw)) return "no-match";
      return null;
    case "textarea":
      return raw.length > f.maxLength ? "too-long" : null;
    case "email":
      return raw.length > 254 || !EmailSchema.safeParse(raw).success ? "invalid-email" : null;
    case "number": {
      if (!/^-?\d+(\.\d+)?$/.test(raw)) return "not-a-number";
      const n = Number(raw);
      if (f.integer && !Number.isInteger(n)) return "not-an-integer";
      if (f.min !== undefined && n < f.min) return "below-min";
      if (f.max !== undefined && n > f.max) return "above-max";
      return null;
    }
    case "date": {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(`${raw}T00:00:00Z`)) || new Date(`${raw}T00:00:00Z`).toISOString().slice(0, 10) !== raw) return "not-a-date";
      if (f.min !== undefined && raw < f.min) return "below-min";
      if (f.max !== undefined && raw > f.max) return "above-max";
      return null;
    }
    case "select":
      return f.options.some((o) => o.value === raw) ? null : "not-an-option";
  }
}

/** The value as agents read it: a select's label rather than its code, a checkbox as yes/no. */
function shown(f: WebFormField, raw: string): string {
  if (f.type === "checkbox") return raw === "" ? "no" : "yes";
  if (f.type === "select") {
    const o = f.options.find((x) => x.value === raw);
    return o ? `${localize(o.label, "en")} (${o.value})` : raw;
  }
  return raw;
}

/** The case description: what the sender wrote, then the custom fields, one labelled line each. */
export function caseDescription(s: Submission): string {
  if (s.fields.length === 0) return s.description;
  return `${s.description}\n\n---\n${s.fields.map((f) => `${f.label}: ${f.value}`).join("\n")}`;
}

/** The form's fields as the page shows them, in the page's language, with the submitted values and errors. */
export function fieldViews(form: WebFormConfig, lang: PortalLanguage, body: Body, errors: ReadonlyMap<string, string>) {
  return form.fields.map((f) => ({
    key: f.key,
    id: `f-${f.key}`,
    type: f.type,
    label: localize(f.label, lang),
    help: localize(f.help, lang),
    required: f.required,
    value: body[f.key] ?? "",
    checked: f.type === "checkbox" && (body[f.key] ?? "") !== "",
    error: errors.get(f.key) ?? null,
    isText: f.type === "text" || f.type === "email" || f.type === "number" || f.type === "date",
    inputType: f.type === "text" ? "text" : f.type,
    isTextarea: f.type === "textarea",
    isSelect: f.type === "select",
    isCheckbox: f.type === "checkbox",
    maxLength: f.type === "text" || f.type === "textarea" ? f.maxLength : null,
    min: f.type === "number" || f.type === "date" ? (f.min ?? null) : null,
    max: f.type === "number" || f.type === "date" ? (f.max ?? null) : null,
    step: f.type === "number" ? (f.integer ? "1" : "any") : null,
    options: f.type === "select" ? f.options.map((o) => ({ value: o.value, label: localize(o.label, lang), selected: (body[f.key] ?? "") === o.value })) : [],
  }));
}

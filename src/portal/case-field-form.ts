/**
 * Catalogue case fields (`caseFields[]`) on the customer's forms: the portal's new-case page and web forms
 * that list them (`webForms[].caseFields`). Pure: which fields a form offers, reading the posted values with
 * the one check every channel runs (custom-fields.ts checkFields), and the inputs the page shows.
 *
 * Inputs are named `cf.<key>` (a multi-picklist one checkbox per option, `cf.<key>.<n>`): a dot is in no
 * catalogue key nor web-form field key, so they never collide with a form's own fields. A posted `cf.` name the
 * form does not offer (an agent-only field, an unknown one) refuses the whole submission: a customer can
 * never set what the configuration keeps for agents, not even by editing the page.
 */
import { checkFields, fieldLabel, TEXT_MAX, type CaseFieldDef, type FieldValue } from "../case/custom-fields.ts";
import type { PortalLanguage } from "./portal-config.ts";
import { formText, problemKey } from "./web-form-i18n.ts";
import type { FieldProblem } from "./web-form-fields.ts";

export const FIELD_INPUT_PREFIX = "cf.";
export type Body = Readonly<Record<string, string | undefined>>;

/** The fields a customer's form offers: customer-visible only, all of them or those named (in that order). */
export function customerFieldDefs(defs: readonly CaseFieldDef[], keys?: readonly string[]): CaseFieldDef[] {
  const visible = defs.filter((d) => d.visibility === "customer");
  if (keys === undefined) return visible;
  return keys.flatMap((k) => visible.filter((d) => d.key === k));
}

export interface CaseFieldError {
  key: string;
  problem: FieldProblem;
}

export type CaseFieldsRead =
  | { kind: "ok"; values: Record<string, FieldValue> }
  | { kind: "invalid"; errors: CaseFieldError[] }
  /** A posted field the form does not offer: nothing of the submission is taken. */
  | { kind: "refused"; key: string };

/** The catalogue key a posted input name stands for (`cf.key` or `cf.key.3`), or null for other inputs. */
function keyOf(name: string): string | null {
  if (!name.startsWith(FIELD_INPUT_PREFIX)) return null;
  const rest = name.slice(FIELD_INPUT_PREFIX.length);
  const dot = rest.indexOf(".");
  return dot === -1 ? rest : rest.slice(0, dot);
}

/** The posted text of one field: a multi-picklist's checked boxes joined by commas (options have none). */
function rawOf(def: CaseFieldDef, body: Body): string | undefined {
  if (def.type !== "multipicklist") return body[`${FIELD_INPUT_PREFIX}${def.key}`];
  const picked = (def.options ?? []).flatMap((_, i) => {
    const v = body[`${FIELD_INPUT_PREFIX}${def.key}.${i}`];
    return v === undefined || v === "" ? [] : [v];
  });
  return picked.length ? picked.join(",") : undefined;
}

function problemOf(def: CaseFieldDef, reason: string): FieldProblem {
  if (/is required( and cannot be cleared)?$/.test(reason)) return "required";
  switch (def.type) {
    case "number":
      return "not-a-number";
    case "date":
      return "not-a-date";
    case "text":
      return "too-long";
    default:
      return "not-an-option";
  }
}

/**
 * The values a new case gets from the form. Each offered field goes through checkFields (required on create),
 * so every error is found at once and shown at its field; empty optional fields are left out.
 */
export function readCaseFields(offered: readonly CaseFieldDef[], body: Body): CaseFieldsRead {
  for (const name of Object.keys(body)) {
    const key = keyOf(name);
    if (key !== null && !offered.some((d) => d.key === key)) return { kind: "refused", key };
  }
  const values: Record<string, FieldValue> = {};
  const errors: CaseFieldError[] = [];
  for (const def of offered) {
    const raw = rawOf(def, body);
    const checked = checkFields([def], raw === undefined ? {} : { [def.key]: raw }, { creating: true });
    if (!checked.ok) errors.push({ key: def.key, problem: problemOf(def, checked.reason) });
    else {
      const v = checked.values[def.key];
      if (v !== undefined && v !== null) values[def.key] = v;
    }
  }
  return errors.length ? { kind: "invalid", errors } : { kind: "ok", values };
}

/** The fields' inputs as the page shows them, in its language, keeping what was typed, each with its error. */
export function caseFieldInputs(offered: readonly CaseFieldDef[], lang: PortalLanguage, body: Body, errors: readonly CaseFieldError[] = []) {
  return offered.map((def) => {
    const name = `${FIELD_INPUT_PREFIX}${def.key}`;
    const value = body[name] ?? "";
    const problem = errors.find((e) => e.key === def.key)?.problem;
    const choices =
      def.type === "yesno"
        ? [
            { value: "yes", label: formText(lang, "yes") },
            { value: "no", label: formText(lang, "no") },
          ]
        : (def.options ?? []).map((o) => ({ value: o, label: o }));
    return {
      key: def.key,
      name,
      id: `cf-${def.key}`,
      label: fieldLabel(def, lang),
      required: def.required,
      requiredLabel: formText(lang, "required"),
      error: problem ? formText(lang, problemKey(problem)) : null,
      value,
      isText: def.type === "text" || def.type === "number" || def.type === "date",
      inputType: def.type === "text" ? "text" : def.type,
      maxLength: def.type === "text" ? TEXT_MAX : null,
      step: def.type === "number" ? "any" : null,
      isSelect: def.type === "picklist" || def.type === "yesno",
      isChecks: def.type === "multipicklist",
      options: choices.map((c, i) => {
        const boxName = `${name}.${i}`;
        return { ...c, selected: value === c.value, name: boxName, id: `cf-${def.key}-${i}`, checked: def.type === "multipicklist" && (body[boxName] ?? "") !== "" };
      }),
    };
  });
}

/** A posted form body as single strings (a repeated urlencoded name keeps its first value, as readUploads does). */
export function formBody(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === null || typeof raw !== "object") return out;
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === "string") out[k] = v;
    else if (Array.isArray(v) && typeof v[0] === "string") out[k] = v[0];
  }
  return out;
}

/** The product select of the new-case page: active products only (an inactive one cannot be newly set). */
export function productChoices(products: ReadonlyArray<{ code: string; name: string; active: boolean }>, chosen: string) {
  return products.filter((p) => p.active).map((p) => ({ code: p.code, name: `${p.name} (${p.code})`, selected: p.code === chosen.trim().toUpperCase() }));
}

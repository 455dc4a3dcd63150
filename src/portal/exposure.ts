/**
 * Which cases a portal user may see: the one scoping function of the portal. Pure (no database access:
 * the Prisma type is only a type).
 *
 * A case is exposed to a viewer when it is not internal (`#portal off`) AND either
 * - the viewer is on it (requester or Cc), or
 * - the portal's rules that apply to the viewer (a rule with a `role` applies only to contacts with that
 *   role) hold: all of them (`match: all`) or any (`match: any`). No applicable rule: own cases only.
 *
 * `exposureWhere` compiles this into a Prisma filter (every portal query is built on it: list, search,
 * counts, detail, attachments); `isExposed` decides the same for one loaded record (used where a record
 * arrives by another path, and by the property test that proves both agree with an independent oracle).
 *
 * Custom field conditions (`fields:`) compile to JSON path filters on `Case.customFields` (PostgreSQL jsonb):
 * "is X" is `= X` OR `@> [X]`, so a picklist value and a multipicklist containing X both match, exactly as
 * case/field-conditions.ts `conditionHolds` decides for a loaded record; a missing key matches no condition.
 *
 * Null semantics are explicit on both sides: a contact without an account matches no case by
 * `case.account = contact.account` (never "every case without an account"), and `is not` / `not in` keep
 * cases whose field is empty (SQL would drop them: `NULL <> 'X'` is not true).
 */
import type { Prisma } from "../generated/prisma/client.ts";
import { conditionHolds, type FieldCondition, type FieldConditions } from "../case/field-conditions.ts";
import type { StoredFields } from "../case/custom-fields.ts";
import type { DateField, EnumField, Exposure, ExposureRule, KeyField } from "./portal-config.ts";

export interface Viewer {
  contactId: number;
  accountId: number | null;
  /** Customer groups the contact is in (directly, through the account or the domain), current data. */
  groupIds: readonly number[];
  role: string | null;
}

/** The case fields the rules read, as loaded for a per-record check. */
export interface ExposableCase {
  internal: boolean;
  status: string;
  priority: string;
  type: string;
  origin: string;
  severity: string | null;
  areaKey: string;
  groupId: number | null;
  groupKey: string | null;
  accountId: number | null;
  accountKey: string | null;
  productCode: string | null;
  /** Case.customFields as stored (case/custom-fields.ts storedFields). */
  customFields: StoredFields;
  subject: string;
  createdAt: Date;
  updatedAt: Date;
  contactIds: readonly number[];
}

/** Matches nothing (Prisma has no literal false; an empty `in` compiles to one). */
const NOTHING: Prisma.CaseWhereInput = { id: { in: [] } };

const applicable = (exposure: Exposure, viewer: Viewer): ExposureRule[] => exposure.rules.filter((r) => r.role === undefined || r.role === viewer.role);

export function exposureWhere(exposure: Exposure, viewer: Viewer): Prisma.CaseWhereInput {
  const own: Prisma.CaseWhereInput = { contacts: { some: { contactId: viewer.contactId } } };
  const rules = applicable(exposure, viewer);
  const extra: Prisma.CaseWhereInput[] = rules.length === 0 ? [] : [exposure.match === "all" ? { AND: rules.map((r) => ruleWhere(r, viewer)) } : { OR: rules.map((r) => ruleWhere(r, viewer)) }];
  return { internal: false, OR: [own, ...extra] };
}

export function isExposed(exposure: Exposure, viewer: Viewer, c: ExposableCase): boolean {
  if (c.internal) return false;
  if (c.contactIds.includes(viewer.contactId)) return true;
  const rules = applicable(exposure, viewer);
  if (rules.length === 0) return false;
  return exposure.match === "all" ? rules.every((r) => ruleHolds(r, viewer, c)) : rules.some((r) => ruleHolds(r, viewer, c));
}

function ruleWhere(rule: ExposureRule, viewer: Viewer): Prisma.CaseWhereInput {
  if ("fields" in rule) return fieldsWhere(rule.fields);
  if (!("op" in rule)) {
    if (rule.field === "account") return viewer.accountId === null ? NOTHING : { accountId: viewer.accountId };
    return viewer.groupIds.length === 0 ? NOTHING : { groupId: { in: [...viewer.groupIds] } };
  }
  switch (rule.op) {
    case "before":
      return dateWhere(rule.field, { lt: rule.value });
    case "after":
      return dateWhere(rule.field, { gt: rule.value });
    case "contains":
      return { subject: { contains: rule.value, mode: "insensitive" } };
    case "is":
      return rule.field === "subject" ? { subject: rule.value } : inWhere(rule.field, [rule.value]);
    case "is not":
      return rule.field === "subject" ? { subject: { not: rule.value } } : notInWhere(rule.field, [rule.value]);
    case "in":
      return inWhere(rule.field, rule.value);
    case "not in":
      return notInWhere(rule.field, rule.value);
  }
}

function fieldsWhere(conds: FieldConditions): Prisma.CaseWhereInput {
  return { AND: Object.entries(conds).map(([key, cond]) => conditionWhere(key, cond)) };
}

function conditionWhere(key: string, cond: FieldCondition): Prisma.CaseWhereInput {
  const path = [key];
  if (typeof cond === "string" || Array.isArray(cond)) {
    const wanted = typeof cond === "string" ? [cond] : cond;
    return { OR: wanted.flatMap((w): Prisma.CaseWhereInput[] => [{ customFields: { path, equals: w } }, { customFields: { path, array_contains: [w] } }]) };
  }
  if (typeof cond === "boolean" || typeof cond === "number") return { customFields: { path, equals: cond } };
  // Only number fields take a range (checked at config apply), and their stored values are numbers.
  const bounds: Prisma.CaseWhereInput[] = [];
  if (cond.min !== undefined) bounds.push({ customFields: { path, gte: cond.min } });
  if (cond.max !== undefined) bounds.push({ customFields: { path, lte: cond.max } });
  return { AND: bounds };
}

function dateWhere(field: DateField, filter: { lt: Date } | { gt: Date }): Prisma.CaseWhereInput {
  return field === "createdAt" ? { createdAt: filter } : { updatedAt: filter };
}

// Enum values are checked against the schema's lists when the configuration is applied (portal-config.ts),
// so the casts below only restate what was validated.
function inWhere(field: EnumField | KeyField, values: string[]): Prisma.CaseWhereInput {
  switch (field) {
    case "status":
      return { status: { in: values as Prisma.EnumCaseStatusFilter["in"] } };
    case "priority":
      return { priority: { in: values as Prisma.EnumCasePriorityFilter["in"] } };
    case "type":
      return { type: { in: values as Prisma.EnumCaseTypeFilter["in"] } };
    case "origin":
      return { origin: { in: values as Prisma.EnumCaseOriginFilter["in"] } };
    case "severity":
      return { severity: { in: values as Prisma.EnumSeverityNullableFilter["in"] } };
    case "area":
      return { area: { key: { in: values } } };
    case "group":
      return { group: { is: { key: { in: values } } } };
    case "account":
      return { account: { is: { key: { in: values } } } };
    case "product":
      return { product: { is: { code: { in: values } } } };
  }
}

function notInWhere(field: EnumField | KeyField, values: string[]): Prisma.CaseWhereInput {
  switch (field) {
    case "severity":
      return { OR: [{ severity: null }, { NOT: inWhere(field, values) }] };
    case "group":
      return { OR: [{ groupId: null }, { NOT: inWhere(field, values) }] };
    case "account":
      return { OR: [{ accountId: null }, { NOT: inWhere(field, values) }] };
    case "product":
      return { OR: [{ productId: null }, { NOT: inWhere(field, values) }] };
    default:
      return { NOT: inWhere(field, values) };
  }
}

function ruleHolds(rule: ExposureRule, viewer: Viewer, c: ExposableCase): boolean {
  if ("fields" in rule) return Object.entries(rule.fields).every(([key, cond]) => conditionHolds(cond, c.customFields[key]));
  if (!("op" in rule)) {
    if (rule.field === "account") return viewer.accountId !== null && c.accountId === viewer.accountId;
    return c.groupId !== null && viewer.groupIds.includes(c.groupId);
  }
  switch (rule.op) {
    case "before":
      return c[rule.field].getTime() < rule.value.getTime();
    case "after":
      return c[rule.field].getTime() > rule.value.getTime();
    case "contains":
      return c.subject.toLowerCase().includes(rule.value.toLowerCase());
    case "is":
      return fieldValue(rule.field, c) === rule.value;
    case "is not":
      return fieldValue(rule.field, c) !== rule.value;
    case "in":
      return rule.value.includes(fieldValue(rule.field, c) ?? "\u0000none");
    case "not in":
      return !rule.value.includes(fieldValue(rule.field, c) ?? "\u0000none");
  }
}

function fieldValue(field: EnumField | KeyField | "subject", c: ExposableCase): string | null {
  switch (field) {
    case "area":
      return c.areaKey;
    case "group":
      return c.groupKey;
    case "account":
      return c.accountKey;
    case "product":
      return c.productCode;
    default:
      return c[field];
  }
}

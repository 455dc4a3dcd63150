/**
 * One row of a case import: which CSV column feeds which case field (the mapping, from flags or a small YAML),
 * and the validation of a row into a case to write, with every problem as (line, field, why). Pure.
 */
import { z } from "zod";
import { CASE_PRIORITIES, CASE_TYPE_CHOICES, SEVERITIES, type CaseStatus } from "../../kernel/domain-types.ts";

/** CASE_STATUSES as a tuple (z.enum needs one); `satisfies` keeps it inside the union. */
const STATUSES = ["NEW", "ASSIGNED", "IN_PROGRESS", "WAITING_ON_CUSTOMER", "RESOLVED", "CLOSED"] as const satisfies readonly CaseStatus[];

/** The case fields an import can fill; the column of the same name feeds each unless the mapping says otherwise. */
export const IMPORT_FIELDS = [
  "external_id",
  "subject",
  "description",
  "status",
  "priority",
  "type",
  "severity",
  "requester",
  "requester_name",
  "owner",
  "team",
  "sla",
  "reason",
  "solution",
  "created_at",
  "resolved_at",
  "closed_at",
  "product",
  "requester_phone",
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];
const REQUIRED: readonly ImportField[] = ["external_id", "subject", "requester"];

/** field → CSV column header. */
export type ColumnMapping = Partial<Record<ImportField, string>>;

/** The mapping file: `columns: { external_id: "Ticket ID", subject: "Title", … }`. */
export const MappingFile = z.object({ columns: z.partialRecord(z.enum(IMPORT_FIELDS), z.string().min(1)) }).strict();

/** `--map field=Column` flags over a mapping file; an unknown field is an error. */
export function parseMapFlags(flags: readonly string[]): ColumnMapping {
  const out: ColumnMapping = {};
  for (const f of flags) {
    const eq = f.indexOf("=");
    const field = f.slice(0, eq).trim();
    if (eq <= 0 || !(IMPORT_FIELDS as readonly string[]).includes(field)) throw new Error(`--map ${f}: expected field=Column with a field among ${IMPORT_FIELDS.join(", ")}`);
    out[field as ImportField] = f.slice(eq + 1).trim();
  }
  return out;
}

/** Required fields whose column is missing from the header (checked once, before any row). */
export function missingColumns(mapping: ColumnMapping, header: readonly string[]): string[] {
  return REQUIRED.filter((f) => !header.includes(mapping[f] ?? f)).map((f) => `${f} (column "${mapping[f] ?? f}")`);
}

const upperEnum = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (typeof v === "string" ? v.trim().toUpperCase().replace(/[ -]/g, "_") : v), z.enum(values));
const optional = <S extends z.ZodType>(s: S) => z.preprocess((v) => (v === "" || v === undefined ? undefined : v), s.optional());
const date = z.preprocess((v) => (typeof v === "string" ? new Date(v.trim()) : v), z.date({ error: "not a date (use ISO 8601, e.g. 2025-03-01T10:00:00Z)" }));

export const ImportRow = z
  .object({
    external_id: z.string().trim().min(1, "required").max(200),
    subject: z.string().trim().min(1, "required").max(255),
    description: optional(z.string().max(32_000)),
    status: optional(upperEnum(STATUSES)),
    priority: optional(upperEnum(CASE_PRIORITIES)),
    type: optional(upperEnum(CASE_TYPE_CHOICES)),
    severity: optional(upperEnum(SEVERITIES)),
    requester: z.string().trim().toLowerCase().pipe(z.email("not an email address")),
    requester_name: optional(z.string().trim().max(200)),
    owner: optional(z.string().trim()),
    team: optional(z.string().trim()),
    sla: optional(z.string().trim()),
    reason: optional(z.string().trim().max(500)),
    solution: optional(z.string().trim().max(32_000)),
    created_at: optional(date),
    resolved_at: optional(date),
    closed_at: optional(date),
    /** Checked against the catalogue with the row's other references (import-cases.service.ts). */
    product: optional(z.string().trim().max(40)),
    requester_phone: optional(z.string().trim().regex(/^[0-9+()./ -]{3,40}$/, "a phone number: digits, spaces and + ( ) . / -")),
  })
  // The status rules' one requirement that a historical row can break: done work carries its solution.
  .refine((r) => !(r.status === "RESOLVED" || r.status === "CLOSED") || (r.solution ?? "") !== "", { message: "a resolved or closed case needs a solution", path: ["solution"] });
export type ImportRow = z.infer<typeof ImportRow>;

export interface RowIssue {
  line: number;
  field: string;
  why: string;
}

/** A CSV record (header → cell) as the mapped fields, validated; the issues name the field and the line. */
export function validateRow(line: number, record: Readonly<Record<string, string>>, mapping: ColumnMapping): { row: ImportRow } | { issues: RowIssue[] } {
  const mapped: Record<string, string | undefined> = {};
  for (const f of IMPORT_FIELDS) mapped[f] = record[mapping[f] ?? f];
  const r = ImportRow.safeParse(mapped);
  if (r.success) return { row: r.data };
  return { issues: r.error.issues.map((i) => ({ line, field: String(i.path[0] ?? "row"), why: i.message })) };
}

/** Custom field columns are named `field.<key>` (not mapped: the export writes them so). */
export const fieldColumn = (key: string): string => `field.${key}`;

/**
 * `mailcase import cases`: cases from another system, streamed row by row and written in batches (one
 * transaction per batch, a few set-based statements each), so 100,000 rows run in constant memory.
 *
 * - Idempotent by the external id column: a row whose case exists updates only the fields that differ (a
 *   second import of the same file writes nothing at all), a new one creates the case.
 * - Contacts are matched by address or created (joining the account of their mail domain).
 * - Historical: cases keep their dates, status and solution; no SLA clock is started (an imported case has no
 *   due times and no SLA jobs, so a closed case from last year never "breaches"), no post, no notification,
 *   no mail. A status is stated, not transitioned: the import says what the case was in the old system,
 *   and the row schema still demands a solution for done cases. Every write is audited (`case.imported`).
 * - A dry run (the default) does every check including the lookups, writes nothing, and counts what an
 *   apply would create, update or leave unchanged.
 *
 * Duplicate external ids are reported within a batch; across batches a later row updates the earlier one
 * (remembering every id would make memory grow with the file).
 */
import { webhookEventOf } from "../webhook-events.ts";
import type { Db } from "../../db/client.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { CasePriority, CaseStatus, CaseTypeChoice, Severity } from "../../kernel/domain-types.ts";
import type { CaseEvent } from "../case-events.ts";
import { fieldColumn, validateRow, type ColumnMapping, type ImportRow, type RowIssue } from "./import-row.ts";
import { loadCatalogue, type Catalogue } from "../case-fields-store.ts";
import { chooseProduct, mergeFields, parseFieldValue, storedFields, type FieldValue } from "../custom-fields.ts";

export interface ImportRecord {
  /** Line of the record in the file (1-based; the header is line 1). */
  line: number;
  record: Record<string, string>;
}

export interface ImportSummary {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  invalid: number;
}

export interface ImportOptions {
  apply: boolean;
  mapping: ColumnMapping;
  /** Named in the audit events (the file name). */
  source: string;
  batchSize?: number;
  onIssue(issue: RowIssue): void;
  onProgress?(summary: Readonly<ImportSummary>): void;
}

interface Refs {
  agents: Map<string, number>;
  teams: Map<string, number>;
  contracts: Map<string, number>;
  accounts: Map<string, number>;
  areaId: number;
  mailboxId: number | null;
  catalogue: Catalogue;
  /** Column of the product (mapping or "product"). */
  productColumn: string;
}

type BatchRow = { line: number; row: ImportRow; fields: CaseFields; /** An inactive product's cell, allowed only if the case has it. */ inactiveProduct?: string };

/** The case columns an import sets, as compared with a stored case to decide what a re-import changes. */
const COMPARED = ["subject", "description", "status", "priority", "type", "severity", "ownerId", "teamId", "slaContractId", "reason", "solution", "createdAt", "resolvedAt", "closedAt"] as const;
interface CaseFields {
  subject: string;
  description: string;
  status: CaseStatus;
  priority: CasePriority;
  type: CaseTypeChoice;
  severity: Severity | null;
  ownerId: number | null;
  teamId: number | null;
  slaContractId: number | null;
  reason: string | null;
  solution: string | null;
  /** Null: not in the file (a new case is created "now"; an existing one keeps its date). */
  createdAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  /** Custom field values of the row's `field.<key>` columns (null: clear); keys without a column are kept. */
  customFields: Record<string, FieldValue | null>;
  /** Undefined: no product column in the file (kept); null: none. */
  productId: number | null | undefined;
}

export async function importCases(db: Db, records: AsyncIterable<ImportRecord>, opts: ImportOptions): Promise<ImportSummary> {
  const refs = await loadRefs(db, opts.mapping);
  const summary: ImportSummary = { rows: 0, created: 0, updated: 0, unchanged: 0, invalid: 0 };
  const size = opts.batchSize ?? 1_000;
  let batch: BatchRow[] = [];
  const issue = (i: RowIssue) => {
    opts.onIssue(i);
  };
  for await (const { line, record } of records) {
    summary.rows++;
    const checked = validateRow(line, record, opts.mapping);
    if ("issues" in checked) {
      summary.invalid++;
      checked.issues.forEach(issue);
      continue;
    }
    const resolved = resolveRefs(line, checked.row, refs, record);
    if ("issues" in resolved) {
      summary.invalid++;
      resolved.issues.forEach(issue);
      continue;
    }
    const earlier = batch.find((b) => b.row.external_id === checked.row.external_id);
    if (earlier) {
      summary.invalid++;
      issue({ line, field: "external_id", why: `"${checked.row.external_id}" again (first on line ${earlier.line})` });
      continue;
    }
    batch.push({ line, row: checked.row, fields: resolved.fields, ...(resolved.inactiveProduct !== undefined ? { inactiveProduct: resolved.inactiveProduct } : {}) });
    if (batch.length >= size) {
      await flush(db, batch, refs, opts, summary);
      batch = [];
      opts.onProgress?.(summary);
    }
  }
  if (batch.length) await flush(db, batch, refs, opts, summary);
  opts.onProgress?.(summary);
  return summary;
}

async function loadRefs(db: Db, mapping: ColumnMapping): Promise<Refs> {
  const settings = await db.settings.findUniqueOrThrow({ where: { id: 1 } });
  const area = await db.area.findUniqueOrThrow({ where: { key: settings.defaultAreaKey } });
  const mailbox = await db.mailbox.findFirst({ where: { active: true }, orderBy: { id: "asc" } });
  const accounts = new Map<string, number>();
  for (const a of await db.account.findMany()) for (const d of a.domains) accounts.set(d.toLowerCase(), a.id);
  return {
    // A deactivated agent cannot be given cases, imported or not.
    agents: new Map((await db.agent.findMany({ where: { active: true } })).map((a) => [a.key, a.id])),
    teams: new Map((await db.team.findMany()).map((t) => [t.key, t.id])),
    contracts: new Map((await db.slaContract.findMany()).map((c) => [c.key, c.id])),
    accounts,
    areaId: area.id,
    mailboxId: mailbox?.id ?? null,
    catalogue: await loadCatalogue(db),
    productColumn: mapping.product ?? "product",
  };
}

function resolveRefs(line: number, row: ImportRow, refs: Refs, record: Readonly<Record<string, string>>): { fields: CaseFields; inactiveProduct?: string } | { issues: RowIssue[] } {
  const issues: RowIssue[] = [];
  const look = (map: Map<string, number>, key: string | undefined, field: string, what: string): number | null => {
    if (key === undefined) return null;
    const id = map.get(key);
    if (id === undefined) issues.push({ line, field, why: `no ${what} "${key}"` });
    return id ?? null;
  };
  const ownerId = look(refs.agents, row.owner, "owner", "active agent");
  const teamId = look(refs.teams, row.team, "team", "team");
  const slaContractId = look(refs.contracts, row.sla, "sla", "SLA level");
  // Custom fields by the same rules as every other channel; an empty cell of a required field keeps the value
  // (historical rows often lack it), an empty cell of another field clears it.
  const customFields: Record<string, FieldValue | null> = {};
  for (const def of refs.catalogue.fields) {
    const cell = record[fieldColumn(def.key)];
    if (cell === undefined || (cell.trim() === "" && def.required)) continue;
    const parsed = parseFieldValue(def, cell);
    if (parsed.ok) customFields[def.key] = parsed.value;
    else issues.push({ line, field: fieldColumn(def.key), why: parsed.reason });
  }
  let productId: number | null | undefined;
  let inactiveProduct: string | undefined;
  const productCell = record[refs.productColumn];
  if (productCell !== undefined) {
    const choice = chooseProduct(refs.catalogue.products, productCell);
    const inactive = refs.catalogue.products.find((p) => !p.active && p.code === productCell.trim().toUpperCase());
    if (choice.ok) productId = choice.code === null ? null : refs.catalogue.products.find((p) => p.code === choice.code)!.id;
    // An inactive product is refused like everywhere else, unless the case already has it (a re-imported
    // export): that needs the stored case, so flush decides (keptProductIssues).
    else if (inactive) {
      productId = inactive.id;
      inactiveProduct = productCell;
    } else issues.push({ line, field: "product", why: choice.reason });
  }
  if (issues.length) return { issues };
  const status = row.status ?? (row.closed_at ? "CLOSED" : row.resolved_at ? "RESOLVED" : ownerId !== null ? "ASSIGNED" : "NEW");
  return {
    ...(inactiveProduct !== undefined ? { inactiveProduct } : {}),
    fields: {
      subject: row.subject,
      description: row.description ?? row.subject,
      status,
      priority: row.priority ?? "NORMAL",
      type: row.type ?? "QUESTION",
      severity: row.severity ?? null,
      ownerId,
      teamId,
      slaContractId,
      reason: row.reason ?? null,
      solution: row.solution ?? null,
      createdAt: row.created_at ?? null,
      resolvedAt: row.resolved_at ?? null,
      closedAt: row.closed_at ?? null,
      customFields,
      productId,
    },
  };
}

/** JSON with sorted keys: jsonb stores keys in its own order, so equality is by canonical text. */
const canonical = (v: Record<string, unknown>) => JSON.stringify(Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))));

const domainOf = (email: string) => email.slice(email.lastIndexOf("@") + 1);
const same = (a: unknown, b: unknown) => (a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : (a ?? null) === (b ?? null));

/**
 * Rows naming an inactive product: accepted (unchanged) where the case already has that product, refused
 * (reported, nothing of the row written) where it would newly set it. Returns the rows to write.
 */
async function keptProductRows(db: Db, batch: BatchRow[], refs: Refs, opts: ImportOptions, summary: ImportSummary): Promise<BatchRow[]> {
  const held = batch.filter((b) => b.inactiveProduct !== undefined);
  if (!held.length) return batch;
  const stored = await db.case.findMany({ where: { externalId: { in: held.map((b) => b.row.external_id) } }, select: { externalId: true, product: { select: { code: true } } } });
  const current = new Map(stored.map((c) => [c.externalId!, c.product?.code ?? null]));
  const refused = new Set<BatchRow>();
  for (const b of held) {
    const choice = chooseProduct(refs.catalogue.products, b.inactiveProduct!, { current: current.get(b.row.external_id) ?? null });
    if (choice.ok) continue;
    refused.add(b);
    summary.invalid++;
    opts.onIssue({ line: b.line, field: "product", why: choice.reason });
  }
  return batch.filter((b) => !refused.has(b));
}

async function flush(db: Db, all: BatchRow[], refs: Refs, opts: ImportOptions, summary: ImportSummary): Promise<void> {
  const batch = await keptProductRows(db, all, refs, opts, summary);
  if (!batch.length) return;
  const ids = batch.map((b) => b.row.external_id);
  const run = async (tx: Prisma.TransactionClient) => {
    const existing = new Map((await tx.case.findMany({ where: { externalId: { in: ids } }, select: { id: true, externalId: true, customFields: true, productId: true, ...Object.fromEntries(COMPARED.map((f) => [f, true])) } })).map((c) => [c.externalId!, c]));
    const fresh = batch.filter((b) => !existing.has(b.row.external_id));
    const changes = batch.flatMap((b) => {
      const stored = existing.get(b.row.external_id) as (Record<string, unknown> & { id: number }) | undefined;
      if (!stored) return [];
      // A date the file leaves empty keeps what the case has (the import created it with "now").
      const fields: string[] = COMPARED.filter((f) => !(f === "createdAt" && b.fields.createdAt === null) && !same(stored[f], b.fields[f]));
      const before = storedFields(stored.customFields);
      const merged = mergeFields(before, b.fields.customFields).next;
      if (canonical(merged) !== canonical(before)) fields.push("customFields");
      if (b.fields.productId !== undefined && b.fields.productId !== stored.productId) fields.push("productId");
      return [{ b, id: stored.id, fields, merged }];
    });
    summary.created += fresh.length;
    summary.updated += changes.filter((c) => c.fields.length).length;
    summary.unchanged += changes.filter((c) => !c.fields.length).length;
    if (!opts.apply) return;

    // Contacts: matched by address, the missing ones created in one statement (with their account by domain).
    const emails = [...new Set(fresh.map((b) => b.row.requester))];
    const names = new Map(fresh.map((b) => [b.row.requester, b.row.requester_name ?? null]));
    // A phone fills a contact's empty phone (new or met before); one already on record is kept.
    const phones = [...new Map(batch.flatMap((b) => (b.row.requester_phone ? [[b.row.requester, b.row.requester_phone] as const] : []))).entries()];
    // Set-based SQL for the bulk writes: Prisma's createMany of 1,000 rows costs ~0.4 s per call in query
    // planning alone, which would make 100,000 rows take minutes. These statements write the same rows.
    if (emails.length) {
      await tx.$executeRaw`
        INSERT INTO "Contact" (email, name, "accountId")
        SELECT e, n, a FROM unnest(${emails}::text[], ${emails.map((e) => names.get(e) ?? null)}::text[], ${emails.map((e) => refs.accounts.get(domainOf(e)) ?? null)}::int[]) AS u(e, n, a)
        ON CONFLICT (email) DO NOTHING`;
    }
    if (phones.length) {
      await tx.$executeRaw`
        UPDATE "Contact" SET phone = u.p FROM unnest(${phones.map(([e]) => e)}::text[], ${phones.map(([, p]) => p)}::text[]) AS u(e, p)
        WHERE "Contact".email = u.e AND "Contact".phone IS NULL`;
    }
    const contactOf = new Map((await tx.contact.findMany({ where: { email: { in: emails } }, select: { id: true, email: true, accountId: true } })).map((k) => [k.email, k]));

    if (fresh.length) {
      const col = <T>(f: (b: (typeof fresh)[number]) => T) => fresh.map(f);
      const ts = (d: Date | null) => d?.toISOString() ?? null;
      const inserted = await tx.$queryRaw<{ id: number; externalId: string }[]>`
        INSERT INTO "Case" ("externalId", subject, description, status, priority, type, severity, origin, "ownerId", "teamId", "slaContractId",
                            reason, solution, "createdAt", "resolvedAt", "closedAt", "updatedAt", "areaId", "mailboxId", "accountId", acknowledge, routing, "customFields", "productId")
        SELECT e, s, d, st::"CaseStatus", p::"CasePriority", ty::"CaseType", sev::"Severity", 'IMPORT'::"CaseOrigin", o, tm, sla,
               r, sol, COALESCE(ca::timestamptz AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'), ra::timestamptz AT TIME ZONE 'UTC',
               cl::timestamptz AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', ${refs.areaId}::int, ${refs.mailboxId}::int, acc, false, rt::jsonb, cf::jsonb, pr
        FROM unnest(
          ${col((b) => b.row.external_id)}::text[], ${col((b) => b.fields.subject)}::text[], ${col((b) => b.fields.description)}::text[],
          ${col((b) => b.fields.status)}::text[], ${col((b) => b.fields.priority)}::text[], ${col((b) => b.fields.type)}::text[],
          ${col((b) => b.fields.severity)}::text[], ${col((b) => b.fields.ownerId)}::int[], ${col((b) => b.fields.teamId)}::int[],
          ${col((b) => b.fields.slaContractId)}::int[], ${col((b) => b.fields.reason)}::text[], ${col((b) => b.fields.solution)}::text[],
          ${col((b) => ts(b.fields.createdAt))}::text[], ${col((b) => ts(b.fields.resolvedAt))}::text[], ${col((b) => ts(b.fields.closedAt))}::text[],
          ${col((b) => contactOf.get(b.row.requester)?.accountId ?? null)}::int[],
          ${col((b) => JSON.stringify({ explain: [`imported from ${opts.source} line ${b.line}`], threading: "import" }))}::text[],
          ${col((b) => JSON.stringify(mergeFields({}, b.fields.customFields).next))}::text[], ${col((b) => b.fields.productId ?? null)}::int[]
        ) AS u(e, s, d, st, p, ty, sev, o, tm, sla, r, sol, ca, ra, cl, acc, rt, cf, pr)
        RETURNING id, "externalId"`;
      const created = new Map(inserted.map((c) => [c.externalId, c.id]));
      const caseIds = col((b) => created.get(b.row.external_id)!);
      await tx.$executeRaw`
        INSERT INTO "CaseContact" ("caseId", "contactId", role)
        SELECT c, k, 'REQUESTER'::"CaseContactRole" FROM unnest(${caseIds}::int[], ${col((b) => contactOf.get(b.row.requester)!.id)}::int[]) AS u(c, k)
        ON CONFLICT DO NOTHING`;
      const owned = fresh.filter((b) => b.fields.ownerId !== null);
      if (owned.length) {
        await tx.$executeRaw`
          INSERT INTO "Follower" ("caseId", "agentId", reason)
          SELECT c, a, 'owner' FROM unnest(${owned.map((b) => created.get(b.row.external_id)!)}::int[], ${owned.map((b) => b.fields.ownerId!)}::int[]) AS u(c, a)
          ON CONFLICT DO NOTHING`;
      }
      await insertEvents(tx, fresh.map((b) => ({ caseId: created.get(b.row.external_id)!, event: { type: "case.imported", data: { source: opts.source, line: b.line, externalId: b.row.external_id, updated: null } } })));
    }
    for (const c of changes) {
      if (!c.fields.length) continue;
      const data = Object.fromEntries(c.fields.map((f) => [f, f === "customFields" ? c.merged : c.b.fields[f as keyof CaseFields]]));
      await tx.case.update({ where: { id: c.id }, data });
    }
    const updated = changes.filter((c) => c.fields.length);
    await insertEvents(tx, updated.map((c) => ({ caseId: c.id, event: { type: "case.imported", data: { source: opts.source, line: c.b.line, externalId: c.b.row.external_id, updated: [...c.fields] } } })));
  };
  if (opts.apply) await db.$transaction(run, { timeout: 120_000, maxWait: 10_000 });
  else await run(db);
}

/** Events of many cases in one statement, typed by the union like `recordEvents` (which writes one case's). */
async function insertEvents(tx: Prisma.TransactionClient, events: ReadonlyArray<{ caseId: number; event: CaseEvent }>): Promise<void> {
  if (events.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO "CaseEvent" ("caseId", type, data)
    SELECT c, t, d::jsonb FROM unnest(${events.map((e) => e.caseId)}::int[], ${events.map((e) => e.event.type)}::text[], ${events.map((e) => JSON.stringify(e.event.data))}::text[]) AS u(c, t, d)`;
  // The webhook outbox in the same transaction, as recordEvents writes it (case.imported for subscribers).
  const published = events.flatMap((e) => {
    const w = webhookEventOf(e.event);
    return w ? [{ caseId: e.caseId, event: w.event, data: JSON.stringify(w.data) }] : [];
  });
  if (published.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO "WebhookOutbox" ("caseId", event, data)
    SELECT c, t, d::jsonb FROM unnest(${published.map((p) => p.caseId)}::int[], ${published.map((p) => p.event)}::text[], ${published.map((p) => p.data)}::text[]) AS u(c, t, d)`;
}

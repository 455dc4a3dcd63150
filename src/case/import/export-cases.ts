/**
 * `mailcase export cases`: every case (or every case an agent may see) as rows with the import's columns, so an
 * export imports back (same external ids: a case exported from here carries `MC-<number>` when it has none).
 * Read in pages by id, so memory stays flat however many cases there are.
 */
import type { Db } from "../../db/client.ts";
import { canSeeCase, caseAccessOf, type AgentViewer } from "../access.ts";
import { fieldColumn, type ImportField } from "./import-row.ts";
import { loadCatalogue } from "../case-fields-store.ts";
import { displayValue, storedFields } from "../custom-fields.ts";

/** The import's columns, then one `field.<key>` column per configured custom field (every row has them all). */
export type ExportRow = Record<ImportField | "number" | "origin", string> & Record<string, string>;

const PAGE = 1_000;
const iso = (d: Date | null) => d?.toISOString() ?? "";

export async function* exportCases(db: Db, viewer?: AgentViewer): AsyncGenerator<ExportRow> {
  const defs = (await loadCatalogue(db)).fields;
  let after = 0;
  for (;;) {
    const page = await db.case.findMany({
      where: { id: { gt: after } },
      orderBy: { id: "asc" },
      take: PAGE,
      include: { owner: true, team: true, area: true, slaContract: true, product: true, contacts: { include: { contact: true } } },
    });
    for (const c of page) {
      if (viewer && !canSeeCase(viewer, caseAccessOf(c))) continue;
      const requester = c.contacts.find((cc) => cc.role === "REQUESTER")?.contact;
      const values = storedFields(c.customFields);
      // Written as the import parses them (a multipicklist comma-separated, yes/no as yes or no).
      const fields = Object.fromEntries(defs.map((d) => [fieldColumn(d.key), values[d.key] === undefined ? "" : displayValue(values[d.key]!)]));
      yield {
        external_id: c.externalId ?? `MC-${c.number}`,
        number: String(c.number),
        subject: c.subject,
        description: c.description,
        status: c.status,
        priority: c.priority,
        type: c.type,
        severity: c.severity ?? "",
        origin: c.origin,
        requester: requester?.email ?? "",
        requester_name: requester?.name ?? "",
        owner: c.owner?.key ?? "",
        team: c.team?.key ?? "",
        sla: c.slaContract?.key ?? "",
        reason: c.reason ?? "",
        solution: c.solution ?? "",
        created_at: iso(c.createdAt),
        resolved_at: iso(c.resolvedAt),
        closed_at: iso(c.closedAt),
        product: c.product?.code ?? "",
        requester_phone: requester?.phone ?? "",
        ...fields,
      };
    }
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.id;
  }
}

/**
 * Contacts by address, created on first sight: the ingest hot path's contact lookup.
 *
 * Prisma's `upsert` costs a SELECT, an INSERT and another SELECT, and two workers meeting a new address at
 * once make one of them fail on the unique index and retry the whole job. Here it is one statement for any
 * number of addresses: INSERT … ON CONFLICT DO NOTHING for the new ones, and the existing rows read in the
 * same statement. ON CONFLICT DO NOTHING (not DO UPDATE) so a known contact's row is not rewritten (no dead
 * tuple per message).
 */
import type { Prisma } from "../generated/prisma/client.ts";

type Tx = Prisma.TransactionClient;

export interface ContactRow {
  id: number;
  email: string;
  accountId: number | null;
  directoryId: number | null;
  portalUser: boolean;
  bouncing: boolean;
  locale: string;
}

/** What a contact is created with; an existing contact keeps its own name and account. */
export interface ContactSeed {
  email: string;
  name?: string | null;
  accountId?: number | null;
}

/** The contacts of these addresses (created when missing), in the order asked. */
export async function ensureContacts(tx: Tx, seeds: readonly ContactSeed[]): Promise<ContactRow[]> {
  if (seeds.length === 0) return [];
  // Sorted: two transactions inserting overlapping sets take the index entries in the same order (no deadlock).
  const unique = [...new Map(seeds.map((s) => [s.email, s])).values()].sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  const emails = unique.map((s) => s.email);
  const names = unique.map((s) => s.name ?? null);
  const accounts = unique.map((s) => s.accountId ?? null);
  // The rows inserted here are not visible to the second SELECT (same snapshot), so nothing comes twice.
  let rows = await tx.$queryRaw<ContactRow[]>`
    WITH input AS (SELECT * FROM unnest(${emails}::text[], ${names}::text[], ${accounts}::int[]) AS t(email, name, "accountId")),
    ins AS (
      INSERT INTO "Contact" (email, name, "accountId") SELECT email, name, "accountId" FROM input ORDER BY email
      ON CONFLICT (email) DO NOTHING
      RETURNING id, email, "accountId", "directoryId", "portalUser", bouncing, locale
    )
    SELECT * FROM ins
    UNION ALL
    SELECT c.id, c.email, c."accountId", c."directoryId", c."portalUser", c.bouncing, c.locale FROM "Contact" c JOIN input i ON i.email = c.email`;
  if (rows.length < unique.length) {
    // A row another transaction committed after this statement's snapshot was taken: read it now.
    const seen = new Set(rows.map((r) => r.email));
    const missing = emails.filter((e) => !seen.has(e));
    const late = await tx.contact.findMany({
      where: { email: { in: missing } },
      select: { id: true, email: true, accountId: true, directoryId: true, portalUser: true, bouncing: true, locale: true },
    });
    rows = [...rows, ...late];
  }
  const byEmail = new Map(rows.map((r) => [r.email, r]));
  return seeds.map((s) => {
    const row = byEmail.get(s.email);
    if (!row) throw new Error(`contact ${s.email} could not be created`);
    return row;
  });
}

/**
 * GET /cases: the cases the acting agent may see, filtered, newest change first, in pages joined by an
 * opaque cursor. The access rule (case/access.ts canSeeCase) is written here once more as a query so a page
 * is a page; every row is still checked with the pure rule before it is answered, so a drift between the
 * two can only hide a case, never show one (test/integration/api-list.test.ts compares them).
 *
 * SLA filters take the SLA watch's own verdicts (SlaEvent rows, written when a warning or breach fired,
 * business hours and pauses included) for a target still pending on an open case: "at-risk" is warned and
 * not yet due, "breached" is past due; the same classification as the mails people got.
 */
import { z } from "zod";
import type { Db } from "../db/client.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { canSeeCase, caseAccessOf } from "../case/access.ts";
import type { ActingAgent } from "../case/acting-agent.ts";
import type { OpResult } from "../case/ops/common.ts";
import { CASE_PRIORITIES, CASE_STATUSES } from "../kernel/domain-types.ts";
import { caseNo } from "../case/case-number.ts";

const list = <T extends string>(values: readonly T[]) =>
  z
    .string()
    .transform((s) => s.split(",").map((v) => v.trim().toUpperCase()).filter(Boolean))
    .pipe(z.array(z.enum(values as readonly [T, ...T[]])).min(1));

const Cursor = z.object({ u: z.iso.datetime(), i: z.number().int().positive() });

export const encodeCursor = (c: { updatedAt: Date; id: number }): string => Buffer.from(JSON.stringify({ u: c.updatedAt.toISOString(), i: c.id })).toString("base64url");

function decodeCursor(s: string): z.infer<typeof Cursor> | null {
  try {
    const parsed = Cursor.safeParse(JSON.parse(Buffer.from(s, "base64url").toString("utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export const ListQuery = z
  .object({
    status: list(CASE_STATUSES).optional().describe("comma-separated statuses, e.g. NEW,ASSIGNED"),
    priority: list(CASE_PRIORITIES).optional().describe("comma-separated priorities"),
    owner: z.string().trim().min(1).optional().describe('agent key, "me", or "none" (no owner)'),
    team: z.string().trim().min(1).optional().describe('team key, or "none"'),
    group: z.string().trim().min(1).optional().describe("customer group key"),
    account: z.string().trim().min(1).optional().describe("account key"),
    sla: z.enum(["at-risk", "breached"]).optional().describe("open cases whose pending SLA target is at risk (warned, not yet due) or breached"),
    updatedSince: z.iso.datetime({ offset: true }).optional().describe("only cases changed at or after this instant (ISO 8601)"),
    q: z.string().trim().min(1).max(200).optional().describe("text in the subject or description (case-insensitive)"),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z
      .string()
      .max(200)
      .transform((s, ctx) => decodeCursor(s) ?? (ctx.addIssue({ code: "custom", message: "not a cursor of this API (pass nextCursor as given)" }), z.NEVER))
      .optional()
      .describe("nextCursor of the previous page"),
  })
  .strict();
export type ListQuery = z.infer<typeof ListQuery>;

/** canSeeCase as a query: owner, or (no team or one of theirs) and the requester in the open directory or one of theirs. */
export function accessWhere(agent: ActingAgent): Prisma.CaseWhereInput {
  const directory: Prisma.ContactWhereInput = { OR: [{ directoryId: null }, { directoryId: { in: [...agent.directoryIds] } }] };
  return {
    OR: [
      { ownerId: agent.agentId },
      {
        AND: [
          { OR: [{ teamId: null }, { teamId: { in: [...agent.teamIds] } }] },
          { OR: [{ contacts: { none: { role: "REQUESTER" } } }, { contacts: { some: { role: "REQUESTER", contact: directory } } }] },
        ],
      },
    ],
  };
}

/** Ids of open cases with a pending target the SLA watch warned about (not yet due) or found breached. */
async function slaCaseIds(db: Db, standing: "at-risk" | "breached", now: Date): Promise<number[]> {
  const kind = standing === "at-risk" ? "WARNING" : "BREACH";
  const rows = await db.$queryRaw<{ id: number }[]>`
    SELECT c.id FROM "Case" c
    WHERE c.status NOT IN ('RESOLVED', 'CLOSED')
      AND EXISTS (
        SELECT 1 FROM "SlaEvent" e
        WHERE e."caseId" = c.id AND e.kind = ${kind}::"SlaEventKind"
          AND ((e.metric = 'FIRST_RESPONSE' AND c."firstRespondedAt" IS NULL AND e."dueAt" = c."firstResponseDueAt")
            OR (e.metric = 'NEXT_RESPONSE' AND e."dueAt" = c."nextResponseDueAt")
            OR (e.metric = 'RESOLUTION' AND e."dueAt" = c."resolutionDueAt")))
      AND (${kind} = 'BREACH' OR NOT EXISTS (
        SELECT 1 FROM "SlaEvent" b
        WHERE b."caseId" = c.id AND b.kind = 'BREACH'
          AND ((b.metric = 'FIRST_RESPONSE' AND c."firstRespondedAt" IS NULL AND b."dueAt" = c."firstResponseDueAt")
            OR (b.metric = 'NEXT_RESPONSE' AND b."dueAt" = c."nextResponseDueAt")
            OR (b.metric = 'RESOLUTION' AND b."dueAt" = c."resolutionDueAt"))))`;
  // At risk and not yet due: a warning whose due has passed without a breach event yet is on its way to breached.
  if (standing === "breached") return rows.map((r) => r.id);
  const open = await db.case.findMany({
    where: {
      id: { in: rows.map((r) => r.id) },
      OR: [{ firstRespondedAt: null, firstResponseDueAt: { gt: now } }, { nextResponseDueAt: { gt: now } }, { resolutionDueAt: { gt: now } }],
    },
    select: { id: true },
  });
  return open.map((r) => r.id);
}

type KeyLookup = { field: string; key: string; id: number | null | undefined };

export async function listCasesFor(db: Db, agent: ActingAgent, q: ListQuery, now: Date): Promise<OpResult<{ cases: object[]; nextCursor: string | null }>> {
  const and: Prisma.CaseWhereInput[] = [accessWhere(agent)];
  // Keys name things; an unknown key is an error naming the parameter, not an empty page that looks like "none".
  const lookups: KeyLookup[] = [];
  const byKey = async (field: string, key: string, find: (key: string) => Promise<{ id: number } | null>) => {
    const row = await find(key);
    lookups.push({ field, key, id: row?.id });
    return row?.id;
  };
  if (q.status) and.push({ status: { in: q.status } });
  if (q.priority) and.push({ priority: { in: q.priority } });
  if (q.owner) {
    if (q.owner === "none") and.push({ ownerId: null });
    else if (q.owner === "me") and.push({ ownerId: agent.agentId });
    else and.push({ ownerId: (await byKey("owner", q.owner, (key) => db.agent.findUnique({ where: { key }, select: { id: true } }))) ?? -1 });
  }
  if (q.team) {
    if (q.team === "none") and.push({ teamId: null });
    else and.push({ teamId: (await byKey("team", q.team, (key) => db.team.findUnique({ where: { key }, select: { id: true } }))) ?? -1 });
  }
  if (q.group) and.push({ groupId: (await byKey("group", q.group, (key) => db.customerGroup.findUnique({ where: { key }, select: { id: true } }))) ?? -1 });
  if (q.account) and.push({ accountId: (await byKey("account", q.account, (key) => db.account.findUnique({ where: { key }, select: { id: true } }))) ?? -1 });
  const unknown = lookups.find((l) => l.id === undefined);
  if (unknown) return { ok: false, error: "refused", reason: `no ${unknown.field} "${unknown.key}"`, field: unknown.field };
  if (q.sla) and.push({ id: { in: await slaCaseIds(db, q.sla, now) } });
  if (q.updatedSince) and.push({ updatedAt: { gte: new Date(q.updatedSince) } });
  if (q.q) and.push({ OR: [{ subject: { contains: q.q, mode: "insensitive" } }, { description: { contains: q.q, mode: "insensitive" } }] });
  if (q.cursor !== undefined) {
    const u = new Date(q.cursor.u);
    and.push({ OR: [{ updatedAt: { lt: u } }, { updatedAt: u, id: { lt: q.cursor.i } }] });
  }
  const rows = await db.case.findMany({
    where: { AND: and },
    orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
    take: q.limit + 1,
    include: { owner: true, team: true, group: true, account: true, contacts: { include: { contact: true } }, area: { select: { id: true, restricted: true } } },
  });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    ok: true,
    cases: page
      .filter((c) => canSeeCase(agent, caseAccessOf(c)))
      .map((c) => ({
        number: caseNo(c.number),
        subject: c.subject,
        status: c.status,
        priority: c.priority,
        owner: c.owner?.key ?? null,
        team: c.team?.key ?? null,
        group: c.group?.key ?? null,
        account: c.account?.key ?? null,
        firstResponseDueAt: c.firstResponseDueAt,
        resolutionDueAt: c.resolutionDueAt,
        createdAt: c.createdAt,
        updatedAt: c.updatedAt,
      })),
    nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null,
  };
}

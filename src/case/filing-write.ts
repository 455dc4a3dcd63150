/**
 * The rows a filed message produces, written in ONE statement: the case (a new one, or the existing one named
 * by id), its post, the post's Message-ID for threading, contacts, followers, events with their webhook
 * outbox rows, and the inbound message marked PROCESSED. Data-modifying CTEs, each fed by the case row (and
 * the post's id where an event names it), so the database does in one round trip what Prisma did in 7–9.
 *
 * The rows are the same ones `writePost`, `recordEvents`, `createMany(skipDuplicates)` and `markProcessed`
 * write: same columns, ON CONFLICT DO NOTHING where those skip duplicates, timestamps taken in this process
 * as Prisma's `@default(now())` does. Post.inboundId stays unique, so exactly-once filing still rests on the
 * inbound row lock and that index. Attachments are the caller's (`saveAttachments`, with the returned post id).
 */
import { Prisma } from "../generated/prisma/client.ts";
import type { CaseEvent } from "./case-events.ts";
import { SCHEDULE_COLUMNS, SCHEDULE_JOINS } from "./schedule-columns.ts";
import type { NewPost } from "./posts.ts";
import { webhookEventOf } from "./webhook-events.ts";

type Tx = Prisma.TransactionClient;

export interface FilingRows {
  post: Omit<NewPost, "caseId" | "attachments" | "messageId">;
  /** Indexed for threading (skipped when already indexed: one message may reach several mailboxes). */
  messageId: string | null;
  contacts: ReadonlyArray<{ contactId: number; role: "REQUESTER" | "CC" }>;
  followers: ReadonlyArray<{ agentId: number | null; contactId: number | null; reason: string }>;
  /** Events of the case, in order; `withPostId`: the new post's id is set as `data.postId` (and in its webhook row). */
  events: ReadonlyArray<{ event: CaseEvent; withPostId?: boolean }>;
  /** The inbound message this filing completes (status PROCESSED, with the case and outcome). */
  inbound: { id: number; outcome: string; processedAt: Date } | null;
}

export interface Filed {
  caseId: number;
  /** The case's number as stored (null when the case existed: it is not read). */
  number: bigint | null;
  postId: number;
}

export interface FiledNewCase extends Filed {
  number: bigint;
  /** The new case as its timers' scheduling reads it (the row of case/schedule-columns.ts, checked by its reader). */
  schedule: unknown;
}

const ts = (d: Date): string => d.toISOString();
/** A timestamp parameter as the UTC wall time Prisma stores in `timestamp(3)` columns. */
const at = (iso: string | null): Prisma.Sql => Prisma.sql`(${iso}::timestamptz AT TIME ZONE 'UTC')`;

/** Files onto an existing case: post, reference, contacts, followers, events and the inbound row in one statement. */
export async function fileOnCase(tx: Tx, caseId: number, rows: FilingRows): Promise<Filed> {
  const out = await tx.$queryRaw<{ id: number; postId: number }[]>(
    filingSql(Prisma.sql`SELECT ${caseId}::int AS id, NULL::bigint AS number`, rows, Prisma.sql`SELECT c.id, c.number, p.id AS "postId" FROM c, p`),
  );
  const row = out[0];
  if (!row) throw new Error(`case #${caseId}: filing wrote no post`);
  return { caseId: row.id, number: null, postId: row.postId };
}

/** The new case's columns, as `openCase` decided them. */
export interface NewCaseRow {
  subject: string;
  description: string;
  status: string;
  priority: string;
  type: string;
  tags: string[];
  acknowledge: boolean;
  origin: string;
  mailboxId: number | null;
  accountId: number | null;
  groupId: number | null;
  areaId: number;
  ownerId: number | null;
  teamId: number | null;
  slaContractId: number | null;
  routing: Prisma.InputJsonValue;
  parentCaseId: number | null;
  createdAt: Date;
  firstResponseDueAt: Date | null;
  nextResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
  /** Custom field values given at opening (API, CLI, portal, forms): routing already saw them. */
  customFields: Prisma.InputJsonValue;
  productId: number | null;
}

/** Opens a case with its opening post and everything filed with it, in one statement. */
export async function fileNewCase(tx: Tx, c: NewCaseRow, rows: FilingRows): Promise<FiledNewCase> {
  const n = (d: Date | null) => at(d === null ? null : ts(d));
  const insert = Prisma.sql`
    INSERT INTO "Case" (subject, description, status, priority, type, tags, acknowledge, origin, "mailboxId", "accountId", "groupId", "areaId",
                        "ownerId", "teamId", "slaContractId", routing, "parentCaseId", "createdAt", "updatedAt",
                        "firstResponseDueAt", "nextResponseDueAt", "resolutionDueAt", "customFields", "productId")
    VALUES (${c.subject}, ${c.description}, ${c.status}::"CaseStatus", ${c.priority}::"CasePriority", ${c.type}::"CaseType", ${c.tags}::text[],
            ${c.acknowledge}, ${c.origin}::"CaseOrigin", ${c.mailboxId}::int, ${c.accountId}::int, ${c.groupId}::int, ${c.areaId}::int,
            ${c.ownerId}::int, ${c.teamId}::int, ${c.slaContractId}::int, ${JSON.stringify(c.routing)}::jsonb, ${c.parentCaseId}::int,
            ${n(c.createdAt)}, ${at(ts(new Date()))}, ${n(c.firstResponseDueAt)}, ${n(c.nextResponseDueAt)}, ${n(c.resolutionDueAt)},
            ${JSON.stringify(c.customFields)}::jsonb, ${c.productId}::int)
    RETURNING *`;
  // With the case, what its timers' scheduling would otherwise read back after commit (one statement fewer
  // per new case). Its pauses, SLA events and reminders are read as they are in this statement's snapshot:
  // none, for a case that did not exist before it.
  const result = Prisma.sql`SELECT c.id, c.number, p.id AS "postId", ${Prisma.raw(SCHEDULE_COLUMNS)} FROM c CROSS JOIN p ${Prisma.raw(SCHEDULE_JOINS)}`;
  const out = await tx.$queryRaw<Array<{ id: number; number: bigint; postId: number }>>(filingSql(insert, rows, result));
  const row = out[0];
  if (!row) throw new Error("opening the case wrote no row");
  const { number, postId, ...schedule } = row;
  return { caseId: row.id, number, postId, schedule };
}

function filingSql(caseRow: Prisma.Sql, r: FilingRows, result: Prisma.Sql): Prisma.Sql {
  const now = ts(new Date());
  const p = r.post;
  const authorAgentId = p.author !== null && "agentId" in p.author ? p.author.agentId : null;
  const authorContactId = p.author !== null && "contactId" in p.author ? p.author.contactId : null;
  const published = r.events.flatMap((e) => {
    const w = webhookEventOf(e.event);
    return w ? [{ event: w.event, data: JSON.stringify(w.data), withPostId: e.withPostId === true }] : [];
  });
  const withPostId = (d: Prisma.Sql, flag: Prisma.Sql) => Prisma.sql`CASE WHEN ${flag} THEN ${d}::jsonb || jsonb_build_object('postId', p.id) ELSE ${d}::jsonb END`;
  return Prisma.sql`
    WITH c AS (${caseRow}),
    p AS (
      INSERT INTO "Post" ("caseId", visibility, source, "authorAgentId", "authorContactId", "addresseeAgentId", "addresseeContactId", subject, body, "inboundId", "threadRule", "createdAt")
      SELECT c.id, ${p.visibility}::"Visibility", ${p.source}::"PostSource", ${authorAgentId}::int, ${authorContactId}::int, ${p.addresseeAgentId ?? null}::int,
             ${p.addresseeContactId ?? null}::int, ${p.subject.slice(0, 998)}, ${p.body}, ${p.inboundId ?? null}::int, ${p.threadRule}, ${at(now)} FROM c
      RETURNING id),
    m AS (
      INSERT INTO "MessageRef" ("messageId", "caseId", direction, "createdAt")
      SELECT ${r.messageId}::text, c.id, 'in', ${at(now)} FROM c WHERE ${r.messageId}::text IS NOT NULL ON CONFLICT DO NOTHING),
    k AS (
      INSERT INTO "CaseContact" ("caseId", "contactId", role)
      SELECT c.id, u.k, u.r::"CaseContactRole" FROM c, unnest(${r.contacts.map((x) => x.contactId)}::int[], ${r.contacts.map((x) => x.role)}::text[]) AS u(k, r)
      ON CONFLICT DO NOTHING),
    f AS (
      INSERT INTO "Follower" ("caseId", "agentId", "contactId", reason, "createdAt")
      SELECT c.id, u.a, u.k, u.r, ${at(now)} FROM c,
             unnest(${r.followers.map((x) => x.agentId)}::int[], ${r.followers.map((x) => x.contactId)}::int[], ${r.followers.map((x) => x.reason)}::text[]) AS u(a, k, r)
      ON CONFLICT DO NOTHING),
    e AS (
      INSERT INTO "CaseEvent" ("caseId", type, data, "createdAt")
      SELECT c.id, u.t, ${withPostId(Prisma.sql`u.d`, Prisma.sql`u.w`)}, ${at(now)} FROM c, p,
             unnest(${r.events.map((x) => x.event.type)}::text[], ${r.events.map((x) => JSON.stringify(x.event.data))}::text[], ${r.events.map((x) => x.withPostId === true)}::bool[])
             WITH ORDINALITY AS u(t, d, w, o)
      ORDER BY u.o),
    w AS (
      INSERT INTO "WebhookOutbox" ("caseId", event, data, "createdAt")
      SELECT c.id, u.t, ${withPostId(Prisma.sql`u.d`, Prisma.sql`u.w`)}, ${at(now)} FROM c, p,
             unnest(${published.map((x) => x.event)}::text[], ${published.map((x) => x.data)}::text[], ${published.map((x) => x.withPostId)}::bool[])
             WITH ORDINALITY AS u(t, d, w, o)
      ORDER BY u.o),
    i AS (
      UPDATE "InboundMessage" SET status = 'PROCESSED'::"InboundStatus", outcome = ${r.inbound?.outcome ?? null}, "caseId" = c.id,
             "processedAt" = ${at(r.inbound ? ts(r.inbound.processedAt) : null)}
      FROM c WHERE "InboundMessage".id = ${r.inbound?.id ?? null}::int)
    ${result}`;
}

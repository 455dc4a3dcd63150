/**
 * What planning one post's mails reads, in ONE statement: the post with its files, its case with contacts,
 * followers and the two thread anchors, the author, and per contact how much automatic mail it got in the last
 * hour (the cap of notification-plan.ts withinAutoMailCap). Prisma's include cost a statement per relation
 * (eleven per notification before); every new case and every post pays this, so it is on the hot path.
 *
 * Instants travel as epoch milliseconds (the columns are UTC timestamps without a zone), the case number as
 * text (a bigint), and the row is checked with zod: raw SQL is a boundary.
 */
import { z } from "zod";
import type { DbOrTx } from "../../db/client.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { CASE_PRIORITIES, POST_SOURCES, VISIBILITIES } from "../../kernel/domain-types.ts";

const Id = z.number().int();
const MaybeId = Id.nullable();
const MaybeMs = z.number().nullable();
const JsonValue = z.custom<Prisma.JsonValue>(() => true);

const Contact = z.object({ id: Id, directoryId: MaybeId, email: z.string(), name: z.string().nullable(), locale: z.string() });

const Row = z.object({
  post: z.object({
    id: Id,
    caseId: Id,
    visibility: z.enum(VISIBILITIES),
    source: z.enum(POST_SOURCES),
    authorAgentId: MaybeId,
    authorContactId: MaybeId,
    addresseeAgentId: MaybeId,
    addresseeContactId: MaybeId,
    body: z.string(),
    inboundId: MaybeId,
    notified: z.boolean(),
  }),
  case: z.object({
    id: Id,
    number: z.string().regex(/^\d+$/),
    subject: z.string(),
    description: z.string(),
    createdAt: z.number(),
    ownerId: MaybeId,
    teamId: MaybeId,
    areaId: Id,
    mailboxId: MaybeId,
    groupId: MaybeId,
    productId: MaybeId,
    priority: z.enum(CASE_PRIORITIES),
    internal: z.boolean(),
    acknowledge: z.boolean(),
    firstResponseDueAt: MaybeMs,
    resolutionDueAt: MaybeMs,
    customFields: JsonValue,
  }),
  contacts: z.array(
    z.object({
      role: z.enum(["REQUESTER", "CC"]),
      contact: Contact.extend({ portalUser: z.boolean(), bouncing: z.boolean(), notifyPreference: z.string() }),
      recentAcks: Id,
      recentUpdates: Id,
    }),
  ),
  followers: z.array(z.object({ agentId: MaybeId, contactId: MaybeId })),
  author: Contact.nullable(),
  postMessageId: z.string().nullable(),
  threadRootId: z.string().nullable(),
  lastCustomerId: z.string().nullable(),
  attachments: z.array(z.object({ id: Id, size: Id, filename: z.string().nullable(), originalFilename: z.string().nullable() })),
  automation: JsonValue,
});
type Row = z.infer<typeof Row>;

export type NotifyLoad = Omit<Row, "case"> & {
  case: Omit<Row["case"], "number" | "createdAt" | "firstResponseDueAt" | "resolutionDueAt"> & {
    number: bigint;
    createdAt: Date;
    firstResponseDueAt: Date | null;
    resolutionDueAt: Date | null;
  };
};

const ms = (col: string) => `(extract(epoch from ${col}) * 1000)::float8`;

/** $1 post id, $2 the start of the automatic-mail cap's hour (ISO, UTC). */
const SQL = `
SELECT
  json_build_object('id', p.id, 'caseId', p."caseId", 'visibility', p.visibility, 'source', p.source,
    'authorAgentId', p."authorAgentId", 'authorContactId', p."authorContactId", 'addresseeAgentId', p."addresseeAgentId",
    'addresseeContactId', p."addresseeContactId", 'body', p.body, 'inboundId', p."inboundId", 'notified', p."notifiedAt" IS NOT NULL) AS post,
  json_build_object('id', c.id, 'number', c.number::text, 'subject', c.subject, 'description', c.description,
    'createdAt', ${ms('c."createdAt"')}, 'ownerId', c."ownerId", 'teamId', c."teamId", 'areaId', c."areaId", 'mailboxId', c."mailboxId",
    'groupId', c."groupId", 'productId', c."productId", 'priority', c.priority, 'internal', c.internal, 'acknowledge', c.acknowledge,
    'firstResponseDueAt', ${ms('c."firstResponseDueAt"')}, 'resolutionDueAt', ${ms('c."resolutionDueAt"')}, 'customFields', c."customFields") AS "case",
  COALESCE((
    SELECT json_agg(json_build_object('role', cc.role,
      'contact', json_build_object('id', k.id, 'directoryId', k."directoryId", 'email', k.email, 'name', k.name, 'locale', k.locale,
        'portalUser', k."portalUser", 'bouncing', k.bouncing, 'notifyPreference', k."notifyPreference"),
      'recentAcks', (SELECT count(*) FROM "OutboundMail" o WHERE o."recipientContactId" = k.id AND o.kind = 'ACK' AND o."createdAt" >= $2::timestamp(3)),
      'recentUpdates', (SELECT count(*) FROM "OutboundMail" o WHERE o."recipientContactId" = k.id AND o.kind = 'UPDATE' AND o."caseId" = c.id AND o."createdAt" >= $2::timestamp(3)))
      ORDER BY k.id)
    FROM "CaseContact" cc JOIN "Contact" k ON k.id = cc."contactId" WHERE cc."caseId" = c.id), '[]'::json) AS contacts,
  COALESCE((SELECT json_agg(json_build_object('agentId', f."agentId", 'contactId', f."contactId") ORDER BY f.id) FROM "Follower" f WHERE f."caseId" = c.id), '[]'::json) AS followers,
  (SELECT json_build_object('id', a.id, 'directoryId', a."directoryId", 'email', a.email, 'name', a.name, 'locale', a.locale) FROM "Contact" a WHERE a.id = p."authorContactId") AS author,
  (SELECT m."messageId" FROM "InboundMessage" m WHERE m.id = p."inboundId") AS "postMessageId",
  (SELECT m."messageId" FROM "InboundMessage" m WHERE m."caseId" = c.id AND m.status = 'PROCESSED' ORDER BY m.id LIMIT 1) AS "threadRootId",
  (SELECT m."messageId" FROM "InboundMessage" m JOIN "Post" q ON q."inboundId" = m.id
    WHERE m."caseId" = c.id AND m.status = 'PROCESSED' AND q."authorContactId" IS NOT NULL ORDER BY m.id DESC LIMIT 1) AS "lastCustomerId",
  COALESCE((SELECT json_agg(json_build_object('id', t.id, 'size', t.size, 'filename', t.filename, 'originalFilename', t."originalFilename") ORDER BY t.id)
    FROM "PostAttachment" t WHERE t."postId" = p.id), '[]'::json) AS attachments,
  (SELECT s.automation FROM "Settings" s WHERE s.id = 1) AS automation
FROM "Post" p JOIN "Case" c ON c.id = p."caseId"
WHERE p.id = $1`;

const date = (ms: number) => new Date(ms);
const maybeDate = (ms: number | null) => (ms === null ? null : new Date(ms));

/** The post and everything its notifications are planned from; null when the post does not exist. */
export async function loadNotifyInput(db: DbOrTx, postId: number, capSince: Date): Promise<NotifyLoad | null> {
  const raw = await db.$queryRawUnsafe<unknown[]>(SQL, postId, capSince.toISOString());
  if (raw.length === 0) return null;
  const r = Row.parse(raw[0]);
  return {
    ...r,
    case: {
      ...r.case,
      number: BigInt(r.case.number),
      createdAt: date(r.case.createdAt),
      firstResponseDueAt: maybeDate(r.case.firstResponseDueAt),
      resolutionDueAt: maybeDate(r.case.resolutionDueAt),
    },
  };
}

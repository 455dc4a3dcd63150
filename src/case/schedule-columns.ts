/**
 * What scheduling a case's timers reads of it (pipeline/sla/schedule-load.ts parses it), as SQL over a case
 * aliased `c`: its SLA fields, its group's and contract's follow-up settings (joined as `g` and `k` by
 * SCHEDULE_JOINS), its pauses, recorded SLA events and reminders. One text for both readers, so they cannot
 * drift apart: the scheduler's load, and the new-case statement (filing-write.ts) that returns these columns
 * with the case it inserts, so opening a case costs no read-back.
 *
 * Instants travel as epoch milliseconds (the columns are UTC timestamps without a zone).
 */
const ms = (col: string): string => `(extract(epoch from ${col}) * 1000)::float8`;

export const SCHEDULE_COLUMNS = `c.status::text AS status, c."ownerId", c."mergedIntoId",
  ${ms('c."createdAt"')} AS "createdAt", ${ms('c."resolvedAt"')} AS "resolvedAt", ${ms('c."closedAt"')} AS "closedAt",
  ${ms('c."firstRespondedAt"')} AS "firstRespondedAt", ${ms('c."firstResponseDueAt"')} AS "firstResponseDueAt",
  ${ms('c."nextResponseDueAt"')} AS "nextResponseDueAt", ${ms('c."resolutionDueAt"')} AS "resolutionDueAt",
  g.key AS "groupKey", g."followUp" AS "groupFollowUp",
  k.key AS "contractKey", k."followUp" AS "contractFollowUp", k.calendar AS "contractCalendar", k."warningShare" AS "contractWarningShare",
  COALESCE((SELECT json_agg(json_build_object('startedAt', ${ms('p."startedAt"')}, 'endedAt', ${ms('p."endedAt"')}) ORDER BY p.id) FROM "SlaPause" p WHERE p."caseId" = c.id), '[]'::json) AS pauses,
  COALESCE((SELECT json_agg(json_build_object('metric', e.metric, 'kind', e.kind, 'dueAt', ${ms('e."dueAt"')})) FROM "SlaEvent" e WHERE e."caseId" = c.id), '[]'::json) AS "slaEvents",
  COALESCE((SELECT json_agg(json_build_object('kind', r.kind, 'anchorAt', ${ms('r."anchorAt"')}, 'step', r.step)) FROM "CaseReminder" r WHERE r."caseId" = c.id), '[]'::json) AS reminders`;

export const SCHEDULE_JOINS = `LEFT JOIN "CustomerGroup" g ON g.id = c."groupId"
LEFT JOIN "SlaContract" k ON k.id = c."slaContractId"`;

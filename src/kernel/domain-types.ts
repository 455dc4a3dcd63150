/**
 * Domain enums as plain string unions, mirrored from prisma/schema.prisma. Pure modules import these
 * instead of the generated client so they stay free of database code; test/unit/domain-types.test.ts keeps them in sync.
 */
export type CasePriority = "LOW" | "NORMAL" | "HIGH" | "URGENT";
export type Visibility = "PUBLIC" | "INTERNAL" | "PRIVATE";
export type PostSource = "CUSTOMER_EMAIL" | "AGENT_EMAIL" | "SYSTEM" | "PORTAL" | "AGENT_DESK";
export type OutboundKind = "NOTICE" | "ACK" | "NEW_CASE" | "UPDATE" | "REPLY" | "SIGN_IN" | "APPROVAL";

/** Mirrored from `enum CaseStatus` in prisma/schema.prisma (pure modules do not import the client). */
export type CaseStatus = "NEW" | "ASSIGNED" | "IN_PROGRESS" | "WAITING_ON_CUSTOMER" | "RESOLVED" | "CLOSED";

export const CASE_STATUSES: readonly CaseStatus[] = ["NEW", "ASSIGNED", "IN_PROGRESS", "WAITING_ON_CUSTOMER", "RESOLVED", "CLOSED"];

/**
 * How badly the problem hurts the customer's business; orthogonal to priority (how soon we work on it in
 * the queue). Ordered from least to most severe:
 * - `MINOR`: cosmetic or inconvenient; a workaround exists and the customer can work normally.
 * - `MAJOR`: an important function is impaired or some users are affected; a workaround exists but costs
 *   real effort.
 * - `CRITICAL`: a core function is down for many users, or production is degraded, with no workaround.
 * - `BLOCKER`: the customer cannot work at all: complete outage, data loss, or a security incident.
 */
export type Severity = "MINOR" | "MAJOR" | "CRITICAL" | "BLOCKER";

/**
 * The case types an agent can set: all of `enum CaseType` in the schema (FEATURE_REQUEST included, so
 * every choice can be stored as it is).
 */
export type CaseTypeChoice = "QUESTION" | "INCIDENT" | "PROBLEM" | "FEATURE_REQUEST";

/** Mirrored from `enum SlaMetric` / `enum SlaEventKind` in prisma/schema.prisma (pure modules do not import the client). */
export type SlaMetric = "FIRST_RESPONSE" | "NEXT_RESPONSE" | "RESOLUTION";
export type SlaEventKind = "WARNING" | "BREACH";
export const SLA_METRICS: readonly SlaMetric[] = ["FIRST_RESPONSE", "NEXT_RESPONSE", "RESOLUTION"];

/** Mirrored from `enum KbArticleStatus` (knowledge base, src/kb): only PUBLISHED ever reaches a portal. */
export type KbArticleStatus = "DRAFT" | "IN_REVIEW" | "PUBLISHED" | "ARCHIVED";
export const KB_ARTICLE_STATUSES = ["DRAFT", "IN_REVIEW", "PUBLISHED", "ARCHIVED"] as const satisfies readonly KbArticleStatus[];

/*
 * Runtime lists of the unions above, in the schema's order, for code that needs the values (validation,
 * help texts) and for test/unit/domain-types.test.ts, which compares each with its `enum` in
 * prisma/schema.prisma. `satisfies` keeps every entry inside its union; `Covers` below fails to compile
 * when a union member is missing from its list, so a list and its union cannot drift apart.
 */
export const CASE_PRIORITIES = ["LOW", "NORMAL", "HIGH", "URGENT"] as const satisfies readonly CasePriority[];
export const VISIBILITIES = ["PUBLIC", "INTERNAL", "PRIVATE"] as const satisfies readonly Visibility[];
export const POST_SOURCES = ["CUSTOMER_EMAIL", "AGENT_EMAIL", "SYSTEM", "PORTAL", "AGENT_DESK"] as const satisfies readonly PostSource[];
export const OUTBOUND_KINDS = ["NOTICE", "ACK", "NEW_CASE", "UPDATE", "REPLY", "SIGN_IN", "APPROVAL"] as const satisfies readonly OutboundKind[];
export const SEVERITIES = ["MINOR", "MAJOR", "CRITICAL", "BLOCKER"] as const satisfies readonly Severity[];
export const CASE_TYPE_CHOICES = ["QUESTION", "INCIDENT", "PROBLEM", "FEATURE_REQUEST"] as const satisfies readonly CaseTypeChoice[];
export const SLA_EVENT_KINDS = ["WARNING", "BREACH"] as const satisfies readonly SlaEventKind[];

/** `true` when `List` names every member of `Union`, else `false` (which `Assert` rejects at compile time). */
type Covers<List extends readonly string[], Union extends string> = [Union] extends [List[number]] ? true : false;
type Assert<T extends true> = T;
export type DomainListsCoverTheirUnions = [
  Assert<Covers<typeof CASE_PRIORITIES, CasePriority>>,
  Assert<Covers<typeof VISIBILITIES, Visibility>>,
  Assert<Covers<typeof POST_SOURCES, PostSource>>,
  Assert<Covers<typeof OUTBOUND_KINDS, OutboundKind>>,
  Assert<Covers<typeof CASE_STATUSES, CaseStatus>>,
  Assert<Covers<typeof SEVERITIES, Severity>>,
  Assert<Covers<typeof CASE_TYPE_CHOICES, CaseTypeChoice>>,
  Assert<Covers<typeof SLA_METRICS, SlaMetric>>,
  Assert<Covers<typeof SLA_EVENT_KINDS, SlaEventKind>>,
  Assert<Covers<typeof KB_ARTICLE_STATUSES, KbArticleStatus>>,
];

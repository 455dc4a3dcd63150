/**
 * Domain enums as plain string unions, mirrored from prisma/schema.prisma. Pure modules import these
 * instead of the generated client so they stay free of database code; test/unit/domain-types.test.ts keeps them in sync.
 */
export type CasePriority = "LOW" | "NORMAL" | "HIGH" | "URGENT";
export type Visibility = "PUBLIC" | "INTERNAL" | "PRIVATE";
export type PostSource = "CUSTOMER_EMAIL" | "AGENT_EMAIL" | "SYSTEM";
export type OutboundKind = "NOTICE" | "ACK" | "NEW_CASE" | "UPDATE" | "REPLY" | "SIGN_IN";

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
 * The case types an agent can set. QUESTION, INCIDENT and PROBLEM mirror `enum CaseType` in the schema;
 * FEATURE_REQUEST is not in the schema yet, so a caller must check it can store it before applying.
 */
export type CaseTypeChoice = "QUESTION" | "INCIDENT" | "PROBLEM" | "FEATURE_REQUEST";

/** Mirrored from `enum SlaMetric` / `enum SlaEventKind` in prisma/schema.prisma (pure modules do not import the client). */
export type SlaMetric = "FIRST_RESPONSE" | "NEXT_RESPONSE" | "RESOLUTION";
export type SlaEventKind = "WARNING" | "BREACH";
export const SLA_METRICS: readonly SlaMetric[] = ["FIRST_RESPONSE", "NEXT_RESPONSE", "RESOLUTION"];

/**
 * Domain enums as plain string unions, mirrored from prisma/schema.prisma. Pure modules import these
 * instead of the generated client so they stay free of database code; a type test keeps them in sync.
 */
export type CasePriority = "LOW" | "NORMAL" | "HIGH" | "URGENT";
export type Visibility = "PUBLIC" | "INTERNAL" | "PRIVATE";
export type PostSource = "CUSTOMER_EMAIL" | "AGENT_EMAIL" | "SYSTEM";
export type OutboundKind = "NOTICE" | "ACK" | "NEW_CASE" | "UPDATE" | "REPLY";

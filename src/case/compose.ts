/**
 * Envelope and threading headers of every mail Mailcase sends. Pure.
 *
 * - Message-IDs are deterministic per (kind, case, post, recipient): a re-planned or re-sent mail carries
 *   the same id, so duplicates are recognisable by anyone, and replies to it thread back to the case.
 * - Automatic mail (acknowledgements, notifications) says so (RFC 3834 Auto-Submitted, plus the Microsoft
 *   X-Auto-Response-Suppress) so well-behaved auto-responders do not answer it: the first loop defence.
 *   RFC 3834's two values by what caused the mail: `auto-replied` answers a message (acknowledgement, a
 *   notice about the mail it answers), `auto-generated` comes from an event (notifications, a notice with no
 *   message it answers, such as an SLA escalation or a sign-in link).
 * - An agent's reply to a customer is human mail and carries no Auto-Submitted.
 */
import type { OutboundKind } from "../kernel/domain-types.ts";

export interface ComposeInput {
  kind: OutboundKind;
  caseId: number;
  postId: number | null;
  recipientKey: string;
  /** Domain of the sending mailbox: our Message-IDs live there. */
  domain: string;
  /** Message-IDs of the case thread the mail answers, oldest first (root first). */
  threadIds: readonly string[];
  /** The message this mail answers directly, if any. */
  parentId: string | null;
}

export interface ComposedHeaders {
  messageId: string;
  dedupeKey: string;
  inReplyTo: string | null;
  references: string[];
  headers: Record<string, string>;
}

/** References kept short (RFC 5322 allows trimming): root plus the newest ones. */
const MAX_REFERENCES = 10;

export function ownMessageId(input: Pick<ComposeInput, "kind" | "caseId" | "postId" | "recipientKey" | "domain">): string {
  return `mc.${input.kind.toLowerCase()}.${input.caseId}.${input.postId ?? 0}.${input.recipientKey}@${input.domain}`;
}

export function isOwnMessageId(id: string, domains: readonly string[]): boolean {
  const at = id.lastIndexOf("@");
  return id.startsWith("mc.") && at > 0 && domains.includes(id.slice(at + 1).toLowerCase());
}

export function composeHeaders(input: ComposeInput): ComposedHeaders {
  const messageId = ownMessageId(input);
  const chain = [...input.threadIds];
  if (input.parentId && !chain.includes(input.parentId)) chain.push(input.parentId);
  const references = chain.length > MAX_REFERENCES ? [chain[0]!, ...chain.slice(-(MAX_REFERENCES - 1))] : chain;
  const headers: Record<string, string> = {};
  if (input.kind === "ACK" || (input.kind === "NOTICE" && input.parentId !== null)) {
    headers["Auto-Submitted"] = "auto-replied";
    headers["X-Auto-Response-Suppress"] = "All";
  } else if (input.kind === "NOTICE" || input.kind === "SIGN_IN" || input.kind === "APPROVAL") {
    // Portal sign-in mail (SIGN_IN): automatic, so auto-responders stay quiet, and not part of any case thread.
    // Approval requests and decisions (APPROVAL) go to agents; their answers come back through reply tokens.
    headers["Auto-Submitted"] = "auto-generated";
    headers["X-Auto-Response-Suppress"] = "All";
  } else if (input.kind === "NEW_CASE" || input.kind === "UPDATE") {
    headers["Auto-Submitted"] = "auto-generated";
    headers["X-Auto-Response-Suppress"] = "All";
    headers["Precedence"] = "bulk";
  }
  headers["X-Mailcase-Case"] = String(input.caseId);
  return {
    messageId,
    dedupeKey: `${input.kind.toLowerCase()}-${input.caseId}-${input.postId ?? 0}-${input.recipientKey}`,
    inReplyTo: input.parentId ?? references.at(-1) ?? null,
    references,
    headers,
  };
}

/**
 * The vocabulary of agents' mail commands: the command union the parser produces, the command names, and
 * the words each value may be written as. Pure data and types.
 */
import type { CasePriority, CaseStatus, CaseTypeChoice, Severity } from "../../../kernel/domain-types.ts";
import type { DoneStatus } from "../../../case/status.ts";

export type { DoneStatus };

/** An agent named in a command: `@key`, `@email`, a bare email address, or `me` (the replying agent). */
export type AgentAddress = { kind: "key"; key: string } | { kind: "email"; email: string };
export type AgentRef = { kind: "self" } | AgentAddress;

/** Statuses `#status` sets without a solution; RESOLVED and CLOSED go through the `close` command. */
export type OpenStatus = Exclude<CaseStatus, DoneStatus>;

export type AgentCommand =
  | { kind: "visibility"; visibility: "PUBLIC" | "INTERNAL" }
  /** A private post to one other agent. */
  | { kind: "private"; to: AgentAddress }
  | { kind: "status"; status: OpenStatus }
  /** `#close …`, `#resolve …`, `#status resolved …`, `#status closed …`: always carries the solution. */
  | { kind: "close"; status: DoneStatus; solution: string }
  | { kind: "priority"; priority: CasePriority }
  | { kind: "severity"; severity: Severity }
  | { kind: "type"; caseType: CaseTypeChoice }
  | { kind: "assign"; to: AgentRef }
  | { kind: "follow" }
  | { kind: "unfollow" }
  /** The reply forwards a customer's mail; the caller files the embedded message as the customer's. */
  | { kind: "forward" }
  /** `#sla gold`: change the case's SLA level (contract key); due times are recomputed keeping elapsed time. */
  | { kind: "level"; contract: string }
  /** `#reason …`: why the customer wrote (the rest of the line). */
  | { kind: "reason"; reason: string }
  /** `#portal off` hides the whole case from the portal (an internal case); `#portal on` shows it again. */
  | { kind: "portal"; visible: boolean }
  /** `#approve [note]` / `#reject <why>`: a verdict on the approval request the agent was asked to decide. */
  | { kind: "verdict"; verdict: "approve" | "reject"; why: string | null }
  /** `#kb` (with `#close`/`#resolve`) or `#solution …`: the solution also becomes a Draft knowledge base article. */
  | { kind: "kb" }
  /** `#set <field> <value>`: a custom case field (the rest of the line is the value; checked against the configuration when applied). */
  | { kind: "field"; key: string; value: string }
  /** `#product CODE` or `#set product CODE` (`none` removes it). */
  | { kind: "product"; code: string };

export interface AgentCommands {
  /** Applicable commands in the order written; duplicates collapsed, contradicting ones dropped. */
  commands: AgentCommand[];
  /** Sentences for the agent, e.g. `unknown command "#stauts" (did you mean #status?)`. */
  errors: string[];
  visibility: "PUBLIC" | "INTERNAL" | "PRIVATE";
  /** The addressee as written (agent key without `@`, or lower-cased email) when visibility is PRIVATE. */
  privateTo: string | null;
  /** The reply without command lines and without the solution text, trimmed. */
  body: string;
}

export type Name = "internal" | "public" | "private" | "status" | "priority" | "severity" | "type" | "assign" | "follow" | "unfollow" | "close" | "resolve" | "forward" | "sla" | "reason" | "portal" | "approve" | "reject" | "kb" | "solution" | "set" | "product";

export const NAMES: readonly Name[] = ["internal", "public", "private", "status", "priority", "severity", "type", "assign", "follow", "unfollow", "close", "resolve", "forward", "sla", "reason", "portal", "approve", "reject", "kb", "solution", "set", "product"];

export const STATUS_VALUES: ReadonlyMap<string, CaseStatus> = new Map([
  ["new", "NEW"],
  ["assigned", "ASSIGNED"],
  ["in-progress", "IN_PROGRESS"],
  ["waiting", "WAITING_ON_CUSTOMER"],
  ["waiting-on-customer", "WAITING_ON_CUSTOMER"],
  ["resolved", "RESOLVED"],
  ["closed", "CLOSED"],
]);
export const PRIORITY_VALUES: ReadonlyMap<string, CasePriority> = new Map([
  ["low", "LOW"],
  ["normal", "NORMAL"],
  ["high", "HIGH"],
  ["urgent", "URGENT"],
]);
export const SEVERITY_VALUES: ReadonlyMap<string, Severity> = new Map([
  ["minor", "MINOR"],
  ["major", "MAJOR"],
  ["critical", "CRITICAL"],
  ["blocker", "BLOCKER"],
]);
export const TYPE_VALUES: ReadonlyMap<string, CaseTypeChoice> = new Map([
  ["question", "QUESTION"],
  ["incident", "INCIDENT"],
  ["problem", "PROBLEM"],
  ["feature", "FEATURE_REQUEST"],
  ["feature-request", "FEATURE_REQUEST"],
]);

/** What the agent is told the valid values are (short forms only; the long forms are accepted too). */
export const VALUE_HINTS = {
  status: "new, assigned, in progress, waiting, resolved, closed",
  priority: "low, normal, high, urgent",
  severity: "minor, major, critical, blocker",
  type: "question, incident, problem, feature",
} as const;

/** `#` followed by a letter: a token in command position that must be a known command. */
export const COMMAND_WORD = /^#[a-z]/i;
/** Punctuation phone keyboards and habits add after a word ("#internal:", "@jane,"). */
export const TRAILING_PUNCT = /[:,;.!?]+$/;
export const KEY_RE = /^[a-z0-9][a-z0-9._-]*$/i;
export const EMAIL_RE = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>".]+$/;

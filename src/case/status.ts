/**
 * Case status rules: which status changes are allowed, and what customer replies, agent replies and
 * assignments do to the status. Pure; the caller loads the case, asks here, and writes the result.
 *
 * Allowed transitions (row = from, column = to; "sol" = allowed only with a non-empty solution):
 *
 * | from \ to           | NEW | ASSIGNED | IN_PROGRESS | WAITING_ON_CUSTOMER | RESOLVED | CLOSED |
 * |---------------------|-----|----------|-------------|---------------------|----------|--------|
 * | NEW                 |  ·  |   yes    |     yes     |         yes         |   sol    |  sol   |
 * | ASSIGNED            | yes |    ·     |     yes     |         yes         |   sol    |  sol   |
 * | IN_PROGRESS         |  -  |    -     |      ·      |         yes         |   sol    |  sol   |
 * | WAITING_ON_CUSTOMER |  -  |    -     |     yes     |          ·          |   sol    |  sol   |
 * | RESOLVED            |  -  |    -     |     yes     |         yes         |    ·     |  sol   |
 * | CLOSED              |  -  |    -     |      -      |          -          |    -     |   ·    |
 *
 * Why this shape:
 * - ASSIGNED → NEW hands an untouched case back to the queue; once work started (IN_PROGRESS and later)
 *   going back to NEW/ASSIGNED would lie about the case's history, so a re-assignment keeps the status.
 * - Every status except CLOSED may resolve or close directly (a trivial question is answered and closed
 *   from NEW), but never without a solution: the solution is what the customer and the next agent read.
 * - RESOLVED is "we think it is done": it reopens to IN_PROGRESS, or to WAITING_ON_CUSTOMER when the agent
 *   reopens with a question.
 * - CLOSED is final. Follow-up work goes into a new case linked to the closed one, so reports and SLA
 *   figures of the closed case never change after the fact. (An installation may still choose
 *   `closedReply: "reopen"` for customer replies; that is a deliberate policy exception handled by
 *   {@link onCustomerReply}, not a transition an agent can request.)
 * - Staying in the same status is not a transition (`canTransition(s, s)` is false) so that a command
 *   that changes nothing is reported rather than silently recorded as a change.
 */
import { type CaseStatus } from "../kernel/domain-types.ts";


/** Statuses that record that the work is done; entering them requires a solution. */
export type DoneStatus = "RESOLVED" | "CLOSED";

/** The table above: the default flow of every case type (a type's `statusFlows` entry may replace rows). */
export const DEFAULT_TRANSITIONS: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  NEW: ["ASSIGNED", "IN_PROGRESS", "WAITING_ON_CUSTOMER", "RESOLVED", "CLOSED"],
  ASSIGNED: ["NEW", "IN_PROGRESS", "WAITING_ON_CUSTOMER", "RESOLVED", "CLOSED"],
  IN_PROGRESS: ["WAITING_ON_CUSTOMER", "RESOLVED", "CLOSED"],
  WAITING_ON_CUSTOMER: ["IN_PROGRESS", "RESOLVED", "CLOSED"],
  RESOLVED: ["IN_PROGRESS", "WAITING_ON_CUSTOMER", "CLOSED"],
  CLOSED: [],
};

/** Lower-case words for messages to agents ("in progress", not "IN_PROGRESS"). */
export function statusLabel(status: CaseStatus): string {
  return status.toLowerCase().replace(/_/g, " ");
}

export function isDoneStatus(status: CaseStatus): status is DoneStatus {
  return status === "RESOLVED" || status === "CLOSED";
}

/** Whether the table above allows `from → to` at all (solution requirements aside). */
export function canTransition(from: CaseStatus, to: CaseStatus): boolean {
  return DEFAULT_TRANSITIONS[from].includes(to);
}

export type TransitionResult = { ok: true } | { ok: false; reason: string };

/**
 * Checks a requested status change, including the solution rule. `solution` is the solution the case
 * will carry: when closing an already resolved case, pass the solution it was resolved with, so every
 * RESOLVED or CLOSED case is guaranteed to have one.
 */
export function transition(from: CaseStatus, to: CaseStatus, opts: { solution?: string | null; allowed?: readonly CaseStatus[] } = {}): TransitionResult {
  if (from === "CLOSED") {
    return { ok: false, reason: "the case is closed, which is final; follow-up work goes into a new linked case" };
  }
  if (from === to) return { ok: false, reason: `the case is already ${statusLabel(to)}` };
  if (!(opts.allowed ?? DEFAULT_TRANSITIONS[from]).includes(to)) {
    return { ok: false, reason: `a case cannot go from ${statusLabel(from)} back to ${statusLabel(to)}` };
  }
  if (isDoneStatus(to) && (opts.solution ?? "").trim() === "") {
    return { ok: false, reason: `a solution is required to ${to === "CLOSED" ? "close" : "resolve"}` };
  }
  return { ok: true };
}

/** What happens when a customer writes to a closed case. */
export type ClosedReplyPolicy = "new-linked-case" | "reopen" | "append";

export interface CustomerReplyPolicy {
  /** Default `"new-linked-case"`: see the module comment on why CLOSED is final. */
  closedReply: ClosedReplyPolicy;
}

/**
 * - `none`: file the post on the case; status unchanged.
 * - `resume`: file the post; WAITING_ON_CUSTOMER → IN_PROGRESS because the customer answered.
 * - `reopen`: file the post; RESOLVED (or, by policy, CLOSED) → IN_PROGRESS because the problem is back.
 * - `new-linked-case`: do not touch the closed case; open a new case linked to it and file the post there.
 * - `append`: file the post on the closed case, which stays CLOSED (policy "append"); the caller should
 *   tell the owner, since nobody watches a closed case.
 */
export type CustomerReplyAction =
  | { action: "none" }
  | { action: "resume"; to: "IN_PROGRESS" }
  | { action: "reopen"; to: "IN_PROGRESS" }
  | { action: "new-linked-case" }
  | { action: "append" };

export const DEFAULT_CUSTOMER_REPLY_POLICY: CustomerReplyPolicy = { closedReply: "new-linked-case" };

/**
 * A customer's reply to a case. `automatic` (auto-replies, bounces, vacation notices: see
 * parsing/automatic/classify.ts) always yields `none`: an out-of-office answer is not an answer, and letting
 * machines reopen or spawn cases is how mail loops start. It is a required input so no caller can forget it.
 */
export function onCustomerReply(status: CaseStatus, policy: CustomerReplyPolicy, message: { automatic: boolean }): CustomerReplyAction {
  if (message.automatic) return { action: "none" };
  switch (status) {
    case "NEW":
    case "ASSIGNED":
    case "IN_PROGRESS":
      return { action: "none" };
    case "WAITING_ON_CUSTOMER":
      return { action: "resume", to: "IN_PROGRESS" };
    case "RESOLVED":
      return { action: "reopen", to: "IN_PROGRESS" };
    case "CLOSED":
      switch (policy.closedReply) {
        case "new-linked-case":
          return { action: "new-linked-case" };
        case "reopen":
          return { action: "reopen", to: "IN_PROGRESS" };
        case "append":
          return { action: "append" };
      }
  }
}

export type StatusEffect<S extends CaseStatus> = { action: "none" } | { action: "set"; to: S };

/**
 * An agent's PUBLIC reply (one the customer sees) to a NEW or ASSIGNED case moves it to IN_PROGRESS: talking
 * to the customer is work started, whoever the owner is, and it stops the case looking untouched in the
 * queue. Assignment is deliberately not implied (the replying agent may be helping out), so NEW goes straight
 * to IN_PROGRESS rather than ASSIGNED. Other statuses stay: a reminder while WAITING_ON_CUSTOMER is still
 * waiting, and a "glad it works" on a RESOLVED case does not reopen it. Internal and private posts never
 * change the status (the customer did not hear anything). An explicit `#status` command in the same reply
 * takes precedence over this default; the caller applies the command instead.
 */
export function onAgentPublicReply(status: CaseStatus): StatusEffect<"IN_PROGRESS"> {
  return status === "NEW" || status === "ASSIGNED" ? { action: "set", to: "IN_PROGRESS" } : { action: "none" };
}

/** Giving a NEW case an owner makes it ASSIGNED; re-assigning later keeps the status (see the table). */
export function onAssign(status: CaseStatus): StatusEffect<"ASSIGNED"> {
  return status === "NEW" ? { action: "set", to: "ASSIGNED" } : { action: "none" };
}

/**
 * What every case operation (CLI, API) shares: the outcome shape, the acting agent's access to a case (an
 * inaccessible case is "not found", in the same words as a missing one, so acting does not reveal which
 * cases exist), one transaction per operation, and the follow-up jobs run after its commit.
 */
import type { Db } from "../../db/client.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { Clock } from "../../kernel/deps.ts";
import { canSeeCase, caseAccessOf } from "../access.ts";
import type { ActingAgent } from "../acting-agent.ts";
import type { ApprovalMail } from "../../approval/approval.service.ts";

export type Tx = Prisma.TransactionClient;

/**
 * Jobs that must run after an operation commits: notification planning of new posts (the notify stage,
 * which mails a public post to the contacts like an email answer) and the SLA watch of changed cases. An
 * interface here because the case write model sits below the pipeline (test/unit/layering.test.ts); the
 * pipeline implements it (`pipeline/case-effects.ts`).
 */
export interface CaseEffects {
  notify(items: readonly { postId: number; event: "case-opened" | "post-added" }[]): Promise<void>;
  /** `known`: scheduling rows the operation already has (a new case's, `OpenedCase.schedule`), not read again. */
  sla(caseIds: readonly number[], known?: readonly unknown[]): Promise<void>;
  /** Sends outbox rows written by the operation (approval requests and decisions). */
  send(outboundIds: readonly number[]): Promise<void>;
}

export interface OpsDeps {
  db: Db;
  clock: Clock;
  effects: CaseEffects;
  /** Templates and reply-token secret for the approval mails an operation may write (src/approval). */
  mail: ApprovalMail;
}

/** A refusal names the input field it is about (for problem details), when there is one. */
export type OpFailure = { ok: false; error: "not-found"; reason: string; field?: string } | { ok: false; error: "refused"; reason: string; field?: string };
export type OpResult<T> = ({ ok: true } & T) | OpFailure;

export const notFound = (what: string, field?: string): OpFailure => ({ ok: false, error: "not-found", reason: `${what} not found`, ...(field ? { field } : {}) });
export const refused = (reason: string, field?: string): OpFailure => ({ ok: false, error: "refused", reason, ...(field ? { field } : {}) });

/** Thrown inside an operation's transaction to roll it back and report the failure. */
export class OpRefused extends Error {
  constructor(readonly failure: OpFailure) {
    super(failure.reason);
  }
}

/**
 * Runs `fn` in one transaction; an OpRefused thrown inside rolls everything back and becomes the result.
 * `after` runs the follow-up jobs of a successful result once it is committed.
 */
export async function inOperation<T extends object>(
  deps: OpsDeps,
  fn: (tx: Tx) => Promise<OpResult<T>>,
  after: (result: { ok: true } & T) => Promise<void> = async () => undefined,
): Promise<OpResult<T>> {
  let result: OpResult<T>;
  try {
    result = await deps.db.$transaction(fn, { timeout: 30_000, maxWait: 10_000 });
  } catch (err) {
    if (err instanceof OpRefused) return err.failure;
    throw err;
  }
  if (result.ok) await after(result);
  return result;
}

const accessInclude = { contacts: { include: { contact: { select: { id: true, directoryId: true } } } }, area: { select: { id: true, restricted: true } } } as const;
export type AccessibleCase = Prisma.CaseGetPayload<{ include: typeof accessInclude }>;

/**
 * The case with this number if the agent may see it (team, directory and area rules, owner exception), locked
 * for the rest of the transaction so two operations on one case take turns; else null.
 */
export async function accessibleCase(tx: Tx, agent: ActingAgent, number: number): Promise<AccessibleCase | null> {
  const rows = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM "Case" WHERE number = ${number} FOR UPDATE`;
  if (rows.length === 0) return null;
  const c = await tx.case.findUnique({ where: { number }, include: accessInclude });
  if (!c || !canSeeCase(agent, caseAccessOf(c))) return null;
  return c;
}

/** accessibleCase, or a rollback with "case N not found" naming the input field. */
export async function requireCase(tx: Tx, agent: ActingAgent, number: number, field = "case"): Promise<AccessibleCase> {
  const c = await accessibleCase(tx, agent, number);
  if (!c) throw new OpRefused(notFound(`case ${number}`, field));
  return c;
}

/** An active agent by key, for owner/addressee fields; a rollback naming the field otherwise. */
export async function requireAgent(tx: Tx, key: string, field: string): Promise<{ id: number; key: string }> {
  const a = await tx.agent.findUnique({ where: { key }, select: { id: true, key: true, active: true } });
  if (!a || !a.active) throw new OpRefused(refused(`no active agent "${key}"`, field));
  return a;
}

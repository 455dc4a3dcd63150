/**
 * Approvals: loads what the pure rules (approval-rules.ts) need, and writes their outcome in the caller's
 * transaction: the held request, the lock on its fields (case.heldFields), the audit events and the mails to
 * approvers and requester (through the outbox, so they are sent exactly once after the commit).
 *
 * - `changeCaseAsAgent`: an agent's change (mail commands, API, CLI). The part a rule holds waits; the rest
 *   is applied at once through `changeCase`.
 * - `holdNewCase`: a new case matching an `on: open` rule; its status is locked until approved.
 * - `decideApproval`: an approver's `#approve` / `#reject <why>`.
 * - `sweepApprovals`: reminders and timeouts, from the sweeper.
 * The mails themselves are written by approval-mail.ts.
 */

export type { ApprovalMail };
import type { ConfigParts } from "../case/case-change.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { changeCase, HELD_FIELD_OF, type CasePatch, type ChangeResult } from "../case/case-change.ts";
import { recordEvents, type Actor } from "../case/case-events.ts";
import { transition } from "../case/status.ts";
import type { Db } from "../db/client.ts";
import type { CasePriority, CaseStatus, CaseTypeChoice } from "../kernel/domain-types.ts";
import { approvalMails, type ApprovalMail } from "./approval-mail.ts";
import { loadApprovalRules } from "./approval-store.ts";
import {
  approversOf,
  awaitedApprovers,
  decide,
  dueAction,
  holdForChange,
  holdForOpening,
  type ApprovalField,
  type ApprovalRule,
  type CaseFacts,
  type Decision,
  type FieldChange,
  type Verdict,
} from "./approval-rules.ts";

type Tx = Prisma.TransactionClient;


const caseSelect = {
  id: true,
  status: true,
  priority: true,
  severity: true,
  type: true,
  ownerId: true,
  teamId: true,
  internal: true,
  solution: true,
  heldFields: true,
  resolutionDueAt: true,
  group: { select: { key: true } },
  slaContract: { select: { key: true } },
  team: { select: { leadAgentId: true } },
} as const satisfies Prisma.CaseSelect;
type FactsRow = Prisma.CaseGetPayload<{ select: typeof caseSelect }>;

const DONE: readonly CaseStatus[] = ["RESOLVED", "CLOSED"];

function factsOf(c: FactsRow, now: Date): CaseFacts {
  return {
    group: c.group?.key ?? null,
    type: c.type as CaseTypeChoice,
    priority: c.priority as CasePriority,
    resolutionBreached: c.resolutionDueAt !== null && c.resolutionDueAt <= now && !DONE.includes(c.status as CaseStatus),
  };
}

const str = (v: unknown): string | null => (v === undefined || v === null ? null : String(v));

/** The requested fields that differ from the case, as the rules name them. */
function changesOf(c: FactsRow, patch: CasePatch): FieldChange[] {
  const out: FieldChange[] = [];
  const push = (field: ApprovalField, from: unknown, to: unknown) => {
    if (to !== undefined && str(from) !== str(to)) out.push({ field, from: str(from), to: str(to) });
  };
  push("status", c.status, patch.status);
  push("priority", c.priority, patch.priority);
  push("severity", c.severity, patch.severity);
  push("type", c.type, patch.type);
  push("owner", c.ownerId, patch.ownerId);
  push("team", c.teamId, patch.teamId);
  push("sla", c.slaContract?.key ?? null, patch.slaContract);
  if (patch.internal !== undefined) push("portal", c.internal ? "off" : "on", patch.internal ? "off" : "on");
  return out;
}

/** Splits a patch into the part whose fields are held and the rest. */
function splitPatch(patch: CasePatch, fields: readonly ApprovalField[]): { held: CasePatch; rest: CasePatch } {
  const held: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    const field = HELD_FIELD_OF[k as keyof CasePatch];
    if (field !== undefined && (fields as readonly string[]).includes(field)) held[k] = v;
    else rest[k] = v;
  }
  return { held: held as CasePatch, rest: rest as CasePatch };
}

export type AgentChangeResult =
  | { ok: true; changed: string[]; held: { requestId: number; rule: string; fields: ApprovalField[] } | null; outbound: number[] }
  | { ok: false; reason: string };

/**
 * An agent's change of a case, with the approval rules applied. Refused whole (nothing written) when the
 * applied part is refused, or when a rule holds part of it but names no approver other than the agent.
 */
export async function changeCaseAsAgent(
  tx: Tx,
  mail: ApprovalMail,
  caseId: number,
  patch: CasePatch,
  /** `settings`, `contracts`, `rules`: the caller's in-memory configuration; missing ones are read here. */
  ctx: { agentId: number; by: Actor; now: Date; rules?: readonly ApprovalRule[]; internalNote?: boolean } & ConfigParts,
): Promise<AgentChangeResult> {
  const noted = { ...(ctx.internalNote ? { internalNote: true } : {}), settings: ctx.settings, contracts: ctx.contracts };
  const plain = async (): Promise<AgentChangeResult> => {
    const r: ChangeResult = await changeCase(tx, caseId, patch, { by: ctx.by, now: ctx.now, ...noted });
    return r.ok ? { ...r, held: null, outbound: [] } : r;
  };
  const rules = ctx.rules ?? (await loadApprovalRules(tx));
  if (rules.length === 0) return plain();
  const c = await tx.case.findUniqueOrThrow({ where: { id: caseId }, select: caseSelect });
  const actor = await tx.agent.findUniqueOrThrow({ where: { id: ctx.agentId }, select: { key: true } });
  const hold = holdForChange(rules, changesOf(c, patch), factsOf(c, ctx.now), actor.key);
  if (!hold) return plain();

  const { held, rest } = splitPatch(patch, hold.fields);
  if (held.status !== undefined) {
    // Approvers should only be asked for a change that can be made.
    const ok = transition(c.status as CaseStatus, held.status, { solution: held.solution ?? c.solution });
    if (!ok.ok) return ok;
  }
  const approvers = approversOf(hold.rule, { agentIdByKey: await agentIds(tx, hold.rule.approvers.agents), teamLeadId: c.team?.leadAgentId ?? null, requesterId: ctx.agentId });
  if (approvers.length === 0)
    return { ok: false, reason: `changing the ${hold.fields.join(" and ")} needs approval (rule "${hold.rule.key}"), but the rule names no active approver other than you` };
  let changed: string[] = [];
  if (Object.keys(rest).length > 0) {
    const r = await changeCase(tx, caseId, rest, { by: ctx.by, now: ctx.now, ...noted });
    if (!r.ok) return r;
    changed = r.changed;
  }
  const opened = await openRequest(tx, mail, {
    caseId,
    rule: hold.rule,
    kind: "change",
    patch: held,
    fields: hold.fields,
    by: ctx.by,
    requesterAgentId: ctx.agentId,
    approvers,
    now: ctx.now,
    currentHeld: c.heldFields,
    changes: changesOf(c, held),
  });
  return { ok: true, changed, held: { requestId: opened.requestId, rule: hold.rule.key, fields: hold.fields }, outbound: opened.outbound };
}

/**
 * A new case that an `on: open` rule holds: its status is locked until approved (agents may still answer,
 * note and assign). Returns the outbox ids to send after the commit; none when no rule matches.
 */
export async function holdNewCase(tx: Tx, mail: ApprovalMail, caseId: number, rules: readonly ApprovalRule[], now: Date): Promise<number[]> {
  if (!rules.some((r) => r.on === "open")) return [];
  const c = await tx.case.findUniqueOrThrow({ where: { id: caseId }, select: caseSelect });
  const rule = holdForOpening(rules, factsOf(c, now));
  if (!rule) return [];
  const approvers = approversOf(rule, { agentIdByKey: await agentIds(tx, rule.approvers.agents), teamLeadId: c.team?.leadAgentId ?? null, requesterId: null });
  // A rule whose approvers are all gone cannot hold anything: the case goes on as if unmatched.
  if (approvers.length === 0) return [];
  const opened = await openRequest(tx, mail, {
    caseId,
    rule,
    kind: "open",
    patch: {},
    fields: ["status"],
    by: "system",
    requesterAgentId: null,
    approvers,
    now,
    currentHeld: c.heldFields,
    changes: [],
  });
  return opened.outbound;
}

async function agentIds(tx: Tx, keys: readonly string[]): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const rows = await tx.agent.findMany({ where: { key: { in: [...keys] }, active: true }, select: { id: true, key: true } });
  return new Map(rows.map((a) => [a.key, a.id]));
}

const addMinutes = (d: Date, min: number | undefined): Date | null => (min === undefined ? null : new Date(d.getTime() + min * 60_000));

async function openRequest(
  tx: Tx,
  mail: ApprovalMail,
  r: {
    caseId: number;
    rule: ApprovalRule;
    kind: "change" | "open";
    patch: CasePatch;
    fields: ApprovalField[];
    by: Actor;
    requesterAgentId: number | null;
    approvers: number[];
    now: Date;
    currentHeld: string[];
    changes: FieldChange[];
  },
): Promise<{ requestId: number; outbound: number[] }> {
  const escalateTo = [...(await agentIds(tx, r.rule.escalateTo)).values()];
  const req = await tx.approvalRequest.create({
    data: {
      caseId: r.caseId,
      ruleKey: r.rule.key,
      kind: r.kind,
      patch: JSON.parse(JSON.stringify(r.patch)) as Prisma.InputJsonValue,
      fields: r.fields,
      requestedBy: r.by,
      requesterAgentId: r.requesterAgentId,
      mode: r.rule.approvers.mode,
      approverIds: r.approvers,
      remindAt: addMinutes(r.now, r.rule.remindAfter),
      timeoutAt: addMinutes(r.now, r.rule.timeout),
      onTimeout: r.rule.onTimeout,
      escalateToIds: escalateTo,
      createdAt: r.now,
    },
  });
  await tx.case.update({ where: { id: r.caseId }, data: { heldFields: { set: [...new Set([...r.currentHeld, ...r.fields])] } } });
  await recordEvents(
    tx,
    r.caseId,
    [{ type: "approval.requested", data: { requestId: req.id, rule: r.rule.key, kind: r.kind, fields: r.fields, approvers: r.approvers, mode: r.rule.approvers.mode, by: r.by } }],
    r.now,
  );
  const awaited = awaitedApprovers({ mode: r.rule.approvers.mode, approverIds: r.approvers, decisions: [] });
  const outbound = await approvalMails(tx, mail, req.id, awaited, { variant: "request", step: "req", changes: r.changes });
  return { requestId: req.id, outbound };
}

export type ApprovalDecision =
  | { ok: false; reason: string }
  | { ok: true; requestId: number; outcome: "approved" | "rejected" | "pending"; applied: string[]; outbound: number[] };

/** An approver's verdict on the request of this case that awaits them. */
export async function decideApproval(
  tx: Tx,
  mail: ApprovalMail,
  input: { caseId: number; agentId: number; verdict: Verdict; why: string | null; now: Date },
): Promise<ApprovalDecision> {
  const candidates = await tx.approvalRequest.findMany({
    where: { caseId: input.caseId, status: "PENDING", approverIds: { has: input.agentId } },
    orderBy: { id: "asc" },
    select: { id: true },
  });
  if (candidates.length === 0) return { ok: false, reason: "no approval request of this case is waiting for you" };
  let last: ApprovalDecision = { ok: false, reason: "no approval request of this case is waiting for you" };
  for (const { id } of candidates) {
    // Two approvers answering at once take turns on the request.
    await tx.$queryRaw`SELECT id FROM "ApprovalRequest" WHERE id = ${id} FOR UPDATE`;
    const req = await tx.approvalRequest.findUniqueOrThrow({ where: { id } });
    if (req.status !== "PENDING") continue;
    const state = { mode: req.mode as "any" | "all" | "sequential", approverIds: req.approverIds, decisions: req.decisions as unknown as Decision[] };
    const result = decide(state, input.agentId, input.verdict, input.why, input.now);
    if (!result.ok) {
      last = result;
      continue;
    }
    const by = `agent:${input.agentId}`;
    if (result.outcome === "pending") {
      await tx.approvalRequest.update({ where: { id }, data: { decisions: result.decisions as unknown as Prisma.InputJsonValue } });
      await recordEvents(tx, req.caseId, [{ type: "approval.decided", data: { requestId: id, verdict: input.verdict, outcome: "pending", by, why: input.why } }], input.now);
      // Sequential: the next approver's turn has come; in "all" everyone was asked at the start.
      const outbound = req.mode === "sequential" ? await approvalMails(tx, mail, id, result.next, { variant: "request", step: `seq${result.decisions.length}` }) : [];
      return { ok: true, requestId: id, outcome: "pending", applied: [], outbound };
    }
    const decider = await tx.agent.findUnique({ where: { id: input.agentId }, select: { name: true } });
    return finish(tx, mail, req, { outcome: result.outcome, decisions: result.decisions, by, verdict: input.verdict, deciderName: decider?.name ?? null, why: input.why, timedOut: false, now: input.now });
  }
  return last;
}

type RequestRow = Prisma.ApprovalRequestGetPayload<object>;

/** Ends a request: releases its fields, applies an approved change, audits, and tells the requester. */
async function finish(
  tx: Tx,
  mail: ApprovalMail,
  req: RequestRow,
  d: { outcome: "approved" | "rejected"; decisions: Decision[]; by: Actor; verdict: Verdict | "timeout"; deciderName: string | null; why: string | null; timedOut: boolean; now: Date },
): Promise<ApprovalDecision> {
  // Release the lock first (keeping fields other pending requests hold), so the approved change can be applied.
  const others = await tx.approvalRequest.findMany({ where: { caseId: req.caseId, status: "PENDING", id: { not: req.id } }, select: { fields: true } });
  await tx.case.update({ where: { id: req.caseId }, data: { heldFields: { set: [...new Set(others.flatMap((o) => o.fields))] } } });
  let outcome = d.outcome;
  let applied: string[] = [];
  let error: string | undefined;
  if (outcome === "approved" && req.kind === "change") {
    const r = await changeCase(tx, req.caseId, req.patch as CasePatch, { by: req.requestedBy, now: d.now });
    if (r.ok) applied = r.changed;
    else {
      // The case moved on while the request waited (e.g. it was closed): the change cannot be made any more.
      outcome = "rejected";
      error = `approved, but the change could not be applied: ${r.reason}`;
    }
  }
  await tx.approvalRequest.update({
    where: { id: req.id },
    data: { status: outcome === "approved" ? "APPROVED" : "REJECTED", decisions: d.decisions as unknown as Prisma.InputJsonValue, decidedAt: d.now, reason: error ?? d.why },
  });
  await recordEvents(
    tx,
    req.caseId,
    [{ type: "approval.decided", data: { requestId: req.id, verdict: d.verdict, outcome, by: d.by, why: d.why, ...(applied.length ? { applied } : {}), ...(error ? { error } : {}) } }],
    d.now,
  );
  // The requester is told; for a held new case (no requester), its owner is.
  const c = await tx.case.findUniqueOrThrow({ where: { id: req.caseId }, select: { ownerId: true } });
  const tell = req.requesterAgentId ?? c.ownerId;
  const outbound =
    tell === null
      ? []
      : await approvalMails(tx, mail, req.id, [tell], { variant: "decided", step: "dec", approved: outcome === "approved", timedOut: d.timedOut, deciderName: d.deciderName, why: error ?? d.why });
  return { ok: true, requestId: req.id, outcome, applied, outbound };
}

/**
 * Reminders and timeouts of pending requests that are due at the clock's now; returns the outbox ids to send.
 * Each request in its own transaction with its row locked, so two sweepers never act twice on one.
 */
export async function sweepApprovals(db: Db, mail: ApprovalMail, now: Date): Promise<{ reminded: number; timedOut: number; escalated: number; outbound: number[] }> {
  const due = await db.approvalRequest.findMany({
    where: { status: "PENDING", OR: [{ remindAt: { lte: now } }, { timeoutAt: { lte: now } }] },
    select: { id: true },
    orderBy: { id: "asc" },
    take: 200,
  });
  const out = { reminded: 0, timedOut: 0, escalated: 0, outbound: [] as number[] };
  for (const { id } of due) {
    const ids = await db.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM "ApprovalRequest" WHERE id = ${id} FOR UPDATE`;
      const req = await tx.approvalRequest.findUniqueOrThrow({ where: { id } });
      if (req.status !== "PENDING") return [];
      const action = dueAction(req, now);
      if (action === null) return [];
      const decisions = req.decisions as unknown as Decision[];
      const awaited = awaitedApprovers({ mode: req.mode as "any" | "all" | "sequential", approverIds: req.approverIds, decisions });
      if (action.kind === "remind") {
        await tx.approvalRequest.update({ where: { id }, data: { remindAt: null } });
        await recordEvents(tx, req.caseId, [{ type: "approval.reminded", data: { requestId: id, approvers: awaited } }], now);
        out.reminded++;
        return approvalMails(tx, mail, id, awaited, { variant: "reminder", step: "rem" });
      }
      const active = req.escalateToIds.length ? await tx.agent.findMany({ where: { id: { in: req.escalateToIds }, active: true }, select: { id: true } }) : [];
      if (action.action === "escalate" && active.length > 0) {
        // The escalation gets as long again as the approvers had, once; then the request is rejected.
        const span = req.timeoutAt!.getTime() - req.createdAt.getTime();
        const approvers = active.map((a) => a.id);
        await tx.approvalRequest.update({ where: { id }, data: { approverIds: approvers, mode: "any", decisions: [], escalated: true, remindAt: null, timeoutAt: new Date(now.getTime() + span) } });
        await recordEvents(tx, req.caseId, [{ type: "approval.escalated", data: { requestId: id, approvers } }], now);
        out.escalated++;
        return approvalMails(tx, mail, id, approvers, { variant: "escalated", step: "esc" });
      }
      out.timedOut++;
      const r = await finish(tx, mail, req, { outcome: "rejected", decisions, by: "system", verdict: "timeout", deciderName: null, why: null, timedOut: true, now });
      return r.ok ? r.outbound : [];
    });
    out.outbound.push(...ids);
  }
  return out;
}

/**
 * Changes to a case's fields, made inside the caller's transaction: validated by the pure rules
 * (src/case/status.ts), written together with one audit event per changed field, and with the SLA
 * clock's pauses opened or closed as the status enters or leaves a paused status.
 *
 * Every path that changes a case (agent commands by email, customer replies reopening it, the CLI) goes
 * through here, so the audit trail and the SLA pauses cannot be forgotten by one of them.
 */
import { type CasePriority, type CaseTypeChoice, type Severity } from "../kernel/domain-types.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { recomputeSlaDue } from "../sla/sla.service.ts";
import { transition } from "./status.ts";
import type { CaseStatus } from "../kernel/domain-types.ts";

type Tx = Prisma.TransactionClient;

export interface CasePatch {
  status?: CaseStatus;
  solution?: string;
  priority?: CasePriority;
  severity?: Severity;
  type?: CaseTypeChoice;
  ownerId?: number;
  reason?: string;
  /** An internal case is hidden from the portal. */
  internal?: boolean;
}

export type ChangeResult = { ok: true; changed: string[] } | { ok: false; reason: string };

/** Applies `patch` to case `caseId` as `by` ("agent:3", "contact:7", "system"). Nothing is written when it is refused. */
export async function changeCase(tx: Tx, caseId: number, patch: CasePatch, ctx: { by: string; now: Date; policyReopen?: boolean }): Promise<ChangeResult> {
  const c = await tx.case.findUniqueOrThrow({ where: { id: caseId } });
  const settings = await tx.settings.findUniqueOrThrow({ where: { id: 1 } });
  const data: Prisma.CaseUpdateInput = {};
  const changed: Array<{ field: string; from: unknown; to: unknown }> = [];
  if (patch.status !== undefined && patch.status !== c.status) {
    const solution = patch.solution ?? c.solution;
    // A customer's reply reopening a CLOSED case is the installation's policy (closedReplyPolicy "reopen"),
    // not a transition anyone may request, so it is the one move allowed past the table.
    const ok = ctx.policyReopen && c.status === "CLOSED" ? ({ ok: true } as const) : transition(c.status, patch.status, { solution });
    if (!ok.ok) return ok;
    data.status = patch.status;
    if (patch.status === "RESOLVED") data.resolvedAt = ctx.now;
    if (patch.status === "CLOSED") data.closedAt = ctx.now;
    changed.push({ field: "status", from: c.status, to: patch.status });
  }
  if (patch.solution !== undefined && patch.solution !== c.solution) {
    data.solution = patch.solution.slice(0, 32_000);
    changed.push({ field: "solution", from: c.solution, to: patch.solution });
  }
  // Fields stored as given, one audit event each.
  for (const field of ["priority", "severity", "type", "internal", "reason"] as const) {
    const to = patch[field];
    if (to === undefined || to === c[field]) continue;
    Object.assign(data, { [field]: to });
    changed.push({ field, from: c[field], to });
  }
  if (patch.ownerId !== undefined && patch.ownerId !== c.ownerId) {
    data.owner = { connect: { id: patch.ownerId } };
    changed.push({ field: "ownerId", from: c.ownerId, to: patch.ownerId });
    // Assigning a new case moves it on (unless the same change sets a status explicitly).
    if (c.status === "NEW" && patch.status === undefined) {
      data.status = "ASSIGNED";
      changed.push({ field: "status", from: c.status, to: "ASSIGNED" });
    }
  }
  if (changed.length === 0) return { ok: true, changed: [] };

  await tx.case.update({ where: { id: caseId }, data });
  await tx.caseEvent.createMany({
    data: changed.map((ch) => ({ caseId, type: "case.changed", data: { field: ch.field, from: toJson(ch.from), to: toJson(ch.to), by: ctx.by } })),
  });

  // The SLA clock stands still in the configured statuses (waiting on the customer by default).
  const newStatus = (data.status as CaseStatus | undefined) ?? c.status;
  const paused = (s: CaseStatus) => settings.slaPausedStatuses.includes(s);
  if (!paused(c.status) && paused(newStatus)) {
    await tx.slaPause.create({ data: { caseId, startedAt: ctx.now, reason: `status ${newStatus}` } });
  } else if (paused(c.status) && !paused(newStatus)) {
    await tx.slaPause.updateMany({ where: { caseId, endedAt: null }, data: { endedAt: ctx.now } });
  }
  const slaInputsChanged = changed.some((ch) => ch.field === "priority" || ch.field === "severity" || ch.field === "status");
  if (slaInputsChanged) await recomputeSlaDue(tx, caseId, ctx.now, ctx.by);
  return { ok: true, changed: changed.map((ch) => ch.field) };
}

function toJson(v: unknown): string | number | boolean | null {
  return v === undefined || v === null ? null : typeof v === "number" || typeof v === "boolean" ? v : String(v);
}

/**
 * Changes to a case's fields, made inside the caller's transaction: validated by the pure rules
 * (src/case/status.ts), written together with one audit event per changed field, and with the SLA
 * clock's pauses opened or closed as the status enters or leaves a paused status.
 *
 * Every path that changes a case's fields (agent commands by email, customer replies reopening it, the
 * portal, the API, the CLI, SLA level changes, the first response) goes through here, so the audit trail and
 * the SLA pauses cannot be forgotten by one of them. Creating a case is `open-case.ts`; posts are `posts.ts`.
 */
import { type CasePriority, type CaseTypeChoice, type Severity } from "../kernel/domain-types.ts";
import type { Prisma, Settings } from "../generated/prisma/client.ts";
import { calendarOf, recomputeSlaDue, type ContractTargets } from "../sla/sla.service.ts";
import type { BusinessCalendar } from "../sla/calendar.ts";
import { auditValue, recordEvents, type Actor } from "./case-events.ts";
import { onAssign } from "./status.ts";
import { flowTransition, StatusFlowsSchema } from "./status-flow.ts";
import { displayValue, mergeFields, storedFields, type FieldValue } from "./custom-fields.ts";
import type { CaseStatus } from "../kernel/domain-types.ts";

type Tx = Prisma.TransactionClient;

export interface CasePatch {
  status?: CaseStatus;
  solution?: string;
  priority?: CasePriority;
  severity?: Severity;
  type?: CaseTypeChoice;
  ownerId?: number;
  /** The team that may see and work the case; null: no team (every agent with the directory may see it). */
  teamId?: number | null;
  /** The case this one is a follow-up or sub-case of; null removes the link. The caller checks for cycles. */
  parentCaseId?: number | null;
  reason?: string;
  /** An internal case is hidden from the portal. */
  internal?: boolean;
  /**
   * Move to another SLA level (contract key): the time already spent counts against the new level's targets
   * (measured on the old level's calendar up to now). An unknown key refuses the whole change.
   */
  slaContract?: string;
  /** When the first response (the first public agent post) was given; set once, never moved. */
  firstRespondedAt?: Date;
  /** Custom field values, already checked against the definitions (custom-fields.ts checkFields); null clears. */
  fields?: Record<string, FieldValue | null>;
  /** The product (an id of an active product, checked by the caller); null removes it. */
  productId?: number | null;
}

/**
 * Configuration a caller may pass from its in-memory snapshot (config/config-cache.ts) so a change reads none:
 * the settings (status flows, SLA pause statuses) and the SLA contracts. Missing: read in the transaction.
 */
export interface ConfigParts {
  settings?: Settings;
  contracts?: ReadonlyMap<number, ContractTargets & { calendar: Prisma.JsonValue | null }>;
}

export type ChangeResult = { ok: true; changed: string[] } | { ok: false; reason: string };

/**
 * The field name approvals use for each patch key (src/approval): a pending request locks these fields
 * (case.heldFields). The reason, the parent link and the first response are never held.
 */
export const HELD_FIELD_OF: Readonly<Partial<Record<keyof CasePatch, string>>> = {
  status: "status",
  solution: "status",
  priority: "priority",
  severity: "severity",
  type: "type",
  ownerId: "owner",
  teamId: "team",
  slaContract: "sla",
  internal: "portal",
};

/** Applies `patch` to case `caseId` as `by` ("agent:3", "contact:7", "system"). Nothing is written when it is refused. */
export async function changeCase(
  tx: Tx,
  caseId: number,
  patch: CasePatch,
  /** `internalNote`: the change comes with an internal note (status flows may require one). */
  ctx: { by: Actor; now: Date; policyReopen?: boolean; internalNote?: boolean } & ConfigParts,
): Promise<ChangeResult> {
  const c = await tx.case.findUniqueOrThrow({ where: { id: caseId }, include: { slaContract: true } });
  // A field held for approval waits for the approvers' decision: nobody changes it meanwhile (the decision
  // releases the lock before it applies the approved change).
  const held = new Set(c.heldFields);
  const locked = (Object.keys(patch) as (keyof CasePatch)[]).filter((k) => patch[k] !== undefined && held.has(HELD_FIELD_OF[k] ?? ""));
  if (locked.length > 0) {
    const fields = [...new Set(locked.map((k) => HELD_FIELD_OF[k]))];
    return { ok: false, reason: `the ${fields.join(" and ")} of this case ${fields.length > 1 ? "are" : "is"} awaiting approval: nobody can change ${fields.length > 1 ? "them" : "it"} until the pending request is decided` };
  }
  const settings = ctx.settings ?? (await tx.settings.findUniqueOrThrow({ where: { id: 1 } }));
  const data: Prisma.CaseUpdateInput = {};
  const changed: Array<{ field: string; from: unknown; to: unknown }> = [];
  if (patch.status !== undefined && patch.status !== c.status) {
    const solution = patch.solution ?? c.solution;
    // A customer's reply reopening a CLOSED case is the installation's policy (closedReplyPolicy "reopen"),
    // not a transition anyone may request, so it is the one move allowed past the table.
    // The case type's status flow (settings.statusFlows, written by config apply; zod at the JSON boundary).
    const flows = StatusFlowsSchema.safeParse(settings.statusFlows);
    if (!flows.success) throw new Error(`Settings.statusFlows is not valid (run \`mailcase config apply\`): ${flows.error.issues[0]?.message ?? ""}`);
    const type = patch.type ?? c.type;
    const fields = {
      severity: patch.severity ?? c.severity,
      reason: patch.reason ?? c.reason,
      ownerId: patch.ownerId ?? c.ownerId,
      teamId: patch.teamId !== undefined ? patch.teamId : c.teamId,
    };
    const ok =
      ctx.policyReopen && c.status === "CLOSED"
        ? ({ ok: true } as const)
        : flowTransition(flows.data[type as keyof typeof flows.data], type, c.status, patch.status, { solution, fields, internalNote: ctx.internalNote ?? false });
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
    // Assigning a new case moves it on (unless the same change sets a status explicitly, or the status is
    // held for approval: then the assignment goes ahead and the status stays).
    const effect = onAssign(c.status);
    if (effect.action === "set" && patch.status === undefined && !held.has("status")) {
      data.status = effect.to;
      changed.push({ field: "status", from: c.status, to: effect.to });
    }
  }
  if (patch.teamId !== undefined && patch.teamId !== c.teamId) {
    data.team = patch.teamId === null ? { disconnect: true } : { connect: { id: patch.teamId } };
    changed.push({ field: "teamId", from: c.teamId, to: patch.teamId });
  }
  if (patch.parentCaseId !== undefined && patch.parentCaseId !== c.parentCaseId) {
    if (patch.parentCaseId === caseId) return { ok: false, reason: "a case cannot be its own parent" };
    data.parentCase = patch.parentCaseId === null ? { disconnect: true } : { connect: { id: patch.parentCaseId } };
    changed.push({ field: "parentCaseId", from: c.parentCaseId, to: patch.parentCaseId });
  }
  if (patch.fields !== undefined) {
    const before = storedFields(c.customFields);
    const { next, changed: keys } = mergeFields(before, patch.fields);
    if (keys.length > 0) data.customFields = next;
    // One audit event per custom field, named so it cannot be mistaken for a standard field.
    for (const key of keys) changed.push({ field: `field.${key}`, from: shown(before[key]), to: shown(next[key]) });
  }
  if (patch.productId !== undefined && patch.productId !== c.productId) {
    const code = async (id: number | null) => (id === null ? null : (await tx.product.findUniqueOrThrow({ where: { id } })).code);
    data.product = patch.productId === null ? { disconnect: true } : { connect: { id: patch.productId } };
    changed.push({ field: "product", from: await code(c.productId), to: await code(patch.productId) });
  }
  // A new SLA level: the calendar the elapsed time ran on until now is the old level's.
  let previousCalendar: BusinessCalendar | undefined;
  if (patch.slaContract !== undefined && patch.slaContract !== c.slaContract?.key) {
    const contract = await tx.slaContract.findUnique({ where: { key: patch.slaContract } });
    if (!contract) return { ok: false, reason: `unknown SLA level "${patch.slaContract}"` };
    if (c.status === "CLOSED") return { ok: false, reason: "the case is closed, which is final" };
    // A case without a level so far had no clock running: its time is measured on the new level's calendar.
    previousCalendar = c.slaContract ? calendarOf(c.slaContract.calendar) : undefined;
    data.slaContract = { connect: { id: contract.id } };
    changed.push({ field: "slaContract", from: c.slaContract?.key ?? null, to: contract.key });
  }
  // Not an audited field: the first public answer is itself in the stream.
  const firstResponse = patch.firstRespondedAt !== undefined && c.firstRespondedAt === null;
  if (firstResponse) data.firstRespondedAt = patch.firstRespondedAt;
  if (changed.length === 0) {
    if (firstResponse) await tx.case.update({ where: { id: caseId }, data });
    return { ok: true, changed: [] };
  }

  await tx.case.update({ where: { id: caseId }, data });
  await recordEvents(
    tx,
    caseId,
    changed.map((ch) => ({ type: "case.changed", data: { field: ch.field, from: auditValue(ch.from), to: auditValue(ch.to), by: ctx.by } })),
  );

  // The SLA clock stands still in the configured statuses (waiting on the customer by default).
  const newStatus = (data.status as CaseStatus | undefined) ?? c.status;
  const paused = (s: CaseStatus) => settings.slaPausedStatuses.includes(s);
  if (!paused(c.status) && paused(newStatus)) {
    await tx.slaPause.create({ data: { caseId, startedAt: ctx.now, reason: `status ${newStatus}` } });
  } else if (paused(c.status) && !paused(newStatus)) {
    await tx.slaPause.updateMany({ where: { caseId, endedAt: null }, data: { endedAt: ctx.now } });
  }
  const slaInputsChanged = changed.some((ch) => ch.field === "priority" || ch.field === "severity" || ch.field === "status" || ch.field === "slaContract");
  if (slaInputsChanged) await recomputeSlaDue(tx, caseId, ctx.now, ctx.by, { ...(previousCalendar ? { previousCalendar } : {}), contracts: ctx.contracts });
  return { ok: true, changed: changed.map((ch) => (ch.field === "slaContract" ? "sla" : ch.field)) };
}

const shown = (v: FieldValue | undefined): string | number | boolean | null => (v === undefined ? null : Array.isArray(v) ? displayValue(v) : v);

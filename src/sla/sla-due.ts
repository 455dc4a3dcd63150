/**
 * SLA due times from a contract's targets. Pure. Calendar time for now (business hours come with the
 * SLA-contract work); the contract's target for the case priority applies, falling back to the nearest
 * stricter-or-looser target that exists so a contract that lists only some priorities still applies.
 */
import type { CasePriority } from "../kernel/domain-types.ts";

export interface SlaTargetInfo {
  priority: CasePriority;
  firstResponseMinutes: number;
  resolutionMinutes: number;
}

export interface SlaDue {
  firstResponseDueAt: Date;
  resolutionDueAt: Date;
  /** Which target was used (it differs from the case priority when the contract has no exact match). */
  targetPriority: CasePriority;
}

const ORDER: CasePriority[] = ["LOW", "NORMAL", "HIGH", "URGENT"];

export function pickTarget(targets: SlaTargetInfo[], priority: CasePriority): SlaTargetInfo | null {
  const exact = targets.find((t) => t.priority === priority);
  if (exact) return exact;
  const idx = ORDER.indexOf(priority);
  // Prefer the next stricter target (never promise a customer less than their priority deserves).
  for (let i = idx + 1; i < ORDER.length; i++) {
    const t = targets.find((x) => x.priority === ORDER[i]);
    if (t) return t;
  }
  for (let i = idx - 1; i >= 0; i--) {
    const t = targets.find((x) => x.priority === ORDER[i]);
    if (t) return t;
  }
  return null;
}

export function computeSlaDue(targets: SlaTargetInfo[], priority: CasePriority, openedAt: Date): SlaDue | null {
  const t = pickTarget(targets, priority);
  if (!t) return null;
  const at = (minutes: number) => new Date(openedAt.getTime() + minutes * 60_000);
  return {
    firstResponseDueAt: at(t.firstResponseMinutes),
    resolutionDueAt: at(t.resolutionMinutes),
    targetPriority: t.priority,
  };
}

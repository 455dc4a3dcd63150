/**
 * Which of a contract's priority targets applies to a case. Pure. The target for the case priority
 * applies, falling back to the nearest stricter-or-looser target that exists so a contract that lists
 * only some priorities still applies. (Severity targets win over these; see `slaTargetsFor`.)
 */
import type { CasePriority } from "../kernel/domain-types.ts";

export interface SlaTargetInfo {
  priority: CasePriority;
  firstResponseMinutes: number;
  resolutionMinutes: number;
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

/**
 * Several commands of one reply that set the same thing: duplicates collapse, contradictions become errors,
 * and visibility settles on the side fewer people can read. Pure.
 */
import { asWritten } from "./describe.ts";
import type { AgentCommand } from "./vocabulary.ts";

type Slot = "visibility" | "status" | "priority" | "severity" | "type" | "assign" | "follow" | "forward" | "level" | "reason" | "portal" | "verdict" | "kb" | "product" | `field:${string}`;

function slotOf(c: AgentCommand): Slot {
  switch (c.kind) {
    case "visibility":
    case "private":
      return "visibility";
    case "status":
    case "close":
      return "status";
    case "follow":
    case "unfollow":
      return "follow";
    case "field":
      // Each field is its own setting: "#set a 1" and "#set b 2" do not contradict each other.
      return `field:${c.key}`;
    default:
      return c.kind;
  }
}

/** Restrictiveness: who can read the post. A conflict resolves to the one fewer people can read. */
function restrictiveness(c: AgentCommand): number {
  if (c.kind === "private") return 2;
  return c.kind === "visibility" && c.visibility === "INTERNAL" ? 1 : 0;
}

/**
 * Collapses repeats and resolves contradictions per setting. Visibility falls to the most restrictive of
 * the contradicting commands (unless two different private addressees: then INTERNAL, since picking one
 * would be a guess); any other contradiction drops all its commands, because there is no safe side to
 * "#priority low #priority urgent".
 */
export function settle(all: readonly AgentCommand[], errors: string[]): AgentCommand[] {
  const bySlot = new Map<Slot, AgentCommand[]>();
  for (const c of all) {
    const slot = slotOf(c);
    const list = bySlot.get(slot) ?? [];
    if (!list.some((o) => JSON.stringify(o) === JSON.stringify(c))) list.push(c);
    bySlot.set(slot, list);
  }
  const keep = new Set<AgentCommand>();
  for (const [slot, list] of bySlot) {
    const first = list[0];
    if (!first) continue;
    if (list.length === 1) {
      keep.add(first);
      continue;
    }
    const names = list.map(asWritten).join(" and ");
    if (slot !== "visibility") {
      errors.push(`${names} contradict each other; none of them was applied`);
      continue;
    }
    const privates = list.filter((c) => c.kind === "private");
    if (privates.length > 1) {
      errors.push(`${names} contradict each other (a private post goes to one agent); the post was made internal`);
      continue;
    }
    const winner = list.reduce((a, b) => (restrictiveness(b) > restrictiveness(a) ? b : a));
    errors.push(`${names} contradict each other; the safer ${asWritten(winner)} applies`);
    keep.add(winner);
  }
  return all.filter((c) => keep.has(c));
}

/**
 * Picks an owner inside a team for a case routed to the team without an agent. Pure.
 *
 * - "round-robin": the next active member after the one assigned last (by agent id order, wrapping), so
 *   work spreads evenly even when members join or leave.
 * - "least-loaded": the active member with the fewest open cases; ties go to the one who waited longest in
 *   round-robin order, so two idle agents alternate instead of one taking everything.
 * - "none": nobody; the case stays with the team and the team is notified.
 */
export type TeamAssignment = "none" | "round-robin" | "least-loaded";

export interface TeamMemberLoad {
  agentId: number;
  active: boolean;
  /** Open cases the agent owns (not RESOLVED/CLOSED). */
  openCases: number;
}

export interface TeamPick {
  agentId: number | null;
  explain: string;
}

export function assignInTeam(strategy: TeamAssignment, members: readonly TeamMemberLoad[], lastAssignedAgentId: number | null): TeamPick {
  if (strategy === "none") return { agentId: null, explain: "team assigns nobody automatically" };
  const active = members.filter((m) => m.active).sort((a, b) => a.agentId - b.agentId);
  if (active.length === 0) return { agentId: null, explain: `no active member for ${strategy}` };
  // Round-robin order starting after the last assigned member.
  const start = lastAssignedAgentId === null ? 0 : active.findIndex((m) => m.agentId > lastAssignedAgentId);
  const order = start <= 0 ? active : [...active.slice(start), ...active.slice(0, start)];
  if (strategy === "round-robin") return { agentId: order[0]!.agentId, explain: "round-robin within the team" };
  const least = Math.min(...order.map((m) => m.openCases));
  const pick = order.find((m) => m.openCases === least)!;
  return { agentId: pick.agentId, explain: `least loaded within the team (${least} open case${least === 1 ? "" : "s"})` };
}

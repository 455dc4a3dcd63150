/**
 * Test oracle, not production code: who among the agents may see a case, restated from the README's access
 * rules on raw configuration rows (grants to agents and teams), without src/case/access.ts.
 *
 * An agent sees a case when they own it; otherwise all three must hold: the case has no team or the agent is
 * a member of it; the requester is in the open directory or the directory is granted to the agent or a team
 * the agent is in; the case's area is open or granted to the agent or a team the agent is in.
 */
export interface OracleWorld {
  /** Team memberships: agentId → team ids. */
  members: ReadonlyMap<number, readonly number[]>;
  directoryGrants: readonly { directoryId: number; agentId: number | null; teamId: number | null }[];
  areaGrants: readonly { areaId: number; agentId: number | null; teamId: number | null }[];
  restrictedAreas: ReadonlySet<number>;
}

export interface OracleCase {
  ownerId: number | null;
  teamId: number | null;
  requesterDirectoryId: number | null;
  areaId: number;
}

export function oracleSees(world: OracleWorld, agentId: number, c: OracleCase): boolean {
  if (c.ownerId === agentId) return true;
  const teams = world.members.get(agentId) ?? [];
  const granted = (g: { agentId: number | null; teamId: number | null }) => g.agentId === agentId || (g.teamId !== null && teams.includes(g.teamId));
  const teamOk = c.teamId === null || teams.includes(c.teamId);
  const dirOk = c.requesterDirectoryId === null || world.directoryGrants.some((g) => g.directoryId === c.requesterDirectoryId && granted(g));
  const areaOk = !world.restrictedAreas.has(c.areaId) || world.areaGrants.some((g) => g.areaId === c.areaId && granted(g));
  return teamOk && dirOk && areaOk;
}

/**
 * The agent a CLI command or an API request acts as (`--as alice`, an API token's agent): the same viewer
 * the read paths use (`--as` on `mailcase case`), so what an agent may change is exactly what they may see.
 */
import type { DbOrTx } from "../db/client.ts";
import { agentAreaIds, agentDirectoryIds, type AgentViewer } from "./access.ts";

export interface ActingAgent extends AgentViewer {
  key: string;
  name: string;
}

/** The active agent with this key, with their teams and directories; null for an unknown or deactivated key. */
export async function actingAgentByKey(db: DbOrTx, key: string): Promise<ActingAgent | null> {
  const agent = await db.agent.findUnique({ where: { key }, include: { teams: true } });
  // A deactivated agent is no longer an agent (as on the mail path): their key acts for nobody.
  if (!agent || !agent.active) return null;
  return actingAgentOf(db, agent);
}

export async function actingAgentById(db: DbOrTx, id: number): Promise<ActingAgent | null> {
  const agent = await db.agent.findUnique({ where: { id }, include: { teams: true } });
  if (!agent || !agent.active) return null;
  return actingAgentOf(db, agent);
}

async function actingAgentOf(db: DbOrTx, agent: { id: number; key: string; name: string; teams: { teamId: number }[] }): Promise<ActingAgent> {
  const teamIds = agent.teams.map((t) => t.teamId);
  const grants = await db.directoryAccess.findMany({
    where: { OR: [{ agentId: agent.id }, { teamId: { in: teamIds } }] },
    select: { directoryId: true, agentId: true, teamId: true },
  });
  return { ...(await agentViewerFor(db, agent.id, teamIds, grants)), key: agent.key, name: agent.name };
}

/**
 * The viewer of an agent in these teams: directories from `directoryGrants` (the caller's, already loaded) and
 * the restricted areas granted to the agent or a team of theirs, read here. Every path that builds an agent's
 * viewer from the database goes through this, so none can forget the area rule.
 */
export async function agentViewerFor(
  db: DbOrTx,
  agentId: number,
  teamIds: number[],
  directoryGrants: readonly { directoryId: number; agentId: number | null; teamId: number | null }[],
): Promise<AgentViewer> {
  const areaGrants = await db.areaAccess.findMany({
    where: { OR: [{ agentId }, { teamId: { in: teamIds } }] },
    select: { areaId: true, agentId: true, teamId: true },
  });
  return { kind: "agent", agentId, teamIds, directoryIds: agentDirectoryIds(agentId, teamIds, directoryGrants), areaIds: agentAreaIds(agentId, teamIds, areaGrants) };
}

/** How a CaseEvent names the acting agent. */
export const actorOf = (agent: { agentId: number }): string => `agent:${agent.agentId}`;

/**
 * Who follows a case from the start, and the agent/contact shapes the follower and notification rules share.
 * Pure.
 */
import { canSeeCase, type AgentViewer, type CaseAccess } from "./access.ts";

export interface PlanAgent {
  id: number;
  teamIds: readonly number[];
  active: boolean;
  /** Directories the agent may see (`agentDirectoryIds`); missing: the open directory only. */
  directoryIds?: readonly number[];
  /** Restricted areas granted to the agent (`agentAreaIds`); missing: open areas only. */
  areaIds?: readonly number[];
  /** Agent.preferences as stored (parsed by `wantsEmail`); missing: every email on. */
  preferences?: unknown;
}

/** The visibility viewer of a planned agent; an agent whose grants were not loaded sees the open directory and open areas only. */
export function agentViewer(agent: PlanAgent): AgentViewer {
  return { kind: "agent", agentId: agent.id, teamIds: agent.teamIds, directoryIds: agent.directoryIds ?? [], areaIds: agent.areaIds ?? [] };
}

export interface PlanContact {
  id: number;
  portalUser: boolean;
  bouncing: boolean;
  /** Which stream updates a portal follower wants by mail (portal preferences): every one (default), only agents' answers, none. */
  notify?: "all" | "agents" | "none";
}

/**
 * Followers of a new case: the owner, auto-follow agents who may see it (team and directory rule), and the
 * requester when they have a portal account (portal users auto-follow the cases they open).
 */
export function initialFollowers(input: {
  caseAccess: CaseAccess;
  autoFollowAgents: readonly PlanAgent[];
  requester: PlanContact | null;
}): { agentIds: { id: number; reason: string }[]; contactIds: { id: number; reason: string }[] } {
  const agentIds: { id: number; reason: string }[] = [];
  if (input.caseAccess.ownerId !== null) agentIds.push({ id: input.caseAccess.ownerId, reason: "owner" });
  for (const a of input.autoFollowAgents) {
    if (!a.active || agentIds.some((x) => x.id === a.id)) continue;
    if (canSeeCase(agentViewer(a), input.caseAccess)) agentIds.push({ id: a.id, reason: "auto-follow" });
  }
  const contactIds = input.requester?.portalUser ? [{ id: input.requester.id, reason: "portal requester" }] : [];
  return { agentIds, contactIds };
}

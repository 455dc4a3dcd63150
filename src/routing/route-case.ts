/**
 * Routing of a new case: the customer's group says who is responsible for the process area; where the
 * group names nobody, the area's own responsible agent/team (the module settings) applies. Pure.
 */
import type { CasePriority } from "../kernel/domain-types.ts";

export interface GroupCandidate {
  id: number;
  key: string;
  /** Lower wins when a contact is in several groups. */
  priority: number;
  slaContractId: number | null;
  defaultCasePriority: CasePriority;
  /** How the contact belongs to the group (for the explanation). */
  via: "contact" | "account" | "domain";
  responsibilities: { areaId: number; agentId: number | null; teamId: number | null }[];
}

export interface AreaInfo {
  id: number;
  key: string;
  defaultAgentId: number | null;
  defaultTeamId: number | null;
}

export interface RoutingInput {
  groups: GroupCandidate[];
  /** The area for this case: the mailbox's default area, else the module default. */
  area: AreaInfo;
  areaSource: "mailbox" | "settings";
}

export interface RoutingDecision {
  areaId: number;
  groupId: number | null;
  ownerId: number | null;
  teamId: number | null;
  slaContractId: number | null;
  priority: CasePriority;
  /** Human-readable reasons, in decision order; stored on the case and printed by the CLI. */
  explain: string[];
}

/** Picks the deciding group: lowest priority number, then key order, so the choice is stable. */
export function pickGroup(groups: GroupCandidate[]): GroupCandidate | null {
  const sorted = [...groups].sort((a, b) => a.priority - b.priority || a.key.localeCompare(b.key));
  return sorted[0] ?? null;
}

export function routeCase(input: RoutingInput): RoutingDecision {
  const explain: string[] = [`area "${input.area.key}" from ${input.areaSource === "mailbox" ? "the mailbox" : "module settings"}`];
  const group = pickGroup(input.groups);
  if (!group) explain.push("sender is in no customer group");
  else {
    const others = input.groups.filter((g) => g.id !== group.id).map((g) => g.key);
    explain.push(
      `customer group "${group.key}" (via ${group.via}, priority ${group.priority})` +
        (others.length ? `; also in ${others.join(", ")} (lower precedence)` : ""),
    );
  }
  const resp = group?.responsibilities.find((r) => r.areaId === input.area.id && (r.agentId !== null || r.teamId !== null));
  let ownerId: number | null;
  let teamId: number | null;
  if (group && resp) {
    ownerId = resp.agentId;
    teamId = resp.teamId;
    explain.push(`responsibility for "${input.area.key}" from group "${group.key}"`);
  } else {
    ownerId = input.area.defaultAgentId;
    teamId = input.area.defaultTeamId;
    explain.push(
      group
        ? `group "${group.key}" names no responsibility for "${input.area.key}": area default applies`
        : `area default applies`,
    );
  }
  return {
    areaId: input.area.id,
    groupId: group?.id ?? null,
    ownerId,
    teamId,
    slaContractId: group?.slaContractId ?? null,
    priority: group?.defaultCasePriority ?? "NORMAL",
    explain,
  };
}

/**
 * Routing of a new case. Pure.
 *
 * The mail arrives in a process area (the mailbox's default area, else the module default). Then, in order:
 * 1. An assignment rule that matched (routing/assignment-rules.ts, evaluated before any group) may move the
 *    case to another area and name its team, owner and priority; what it names wins.
 * 2. The customer's groups, by priority (lower number first, then key): the first group is the case's group
 *    and gives its default priority. A group that names no responsibility for the process area lets the next
 *    group by priority supply it (agent, team and the area the cases are processed in), and a group without
 *    an SLA contract lets the next one supply the contract. So a contact in "vip" (no SLA of its own) and in
 *    "gold" (SLA gold) gets vip's people and gold's SLA.
 * 3. Where no group names a responsibility, the area's own agent/team (the module settings) applies; where a
 *    responsibility names only the area its cases are processed in, that area's own agent/team applies.
 */
import type { CasePriority } from "../kernel/domain-types.ts";

export interface Responsibility {
  /** The process area this responsibility is for. */
  areaId: number;
  agentId: number | null;
  teamId: number | null;
  /** The area the group's cases of this process area are processed in; null: the process area itself. */
  caseAreaId?: number | null;
}

export interface GroupCandidate {
  id: number;
  key: string;
  /** Lower wins when a contact is in several groups. */
  priority: number;
  slaContractId: number | null;
  defaultCasePriority: CasePriority;
  /** How the contact belongs to the group (for the explanation). */
  via: "contact" | "account" | "domain";
  responsibilities: Responsibility[];
}

export interface AreaInfo {
  id: number;
  key: string;
  defaultAgentId: number | null;
  defaultTeamId: number | null;
}

/** What the assignment rule that matched sets (ids resolved from its keys by the caller). */
export interface RuleRouting {
  ruleKey: string;
  areaId?: number;
  teamId?: number;
  ownerId?: number;
  priority?: CasePriority;
}

export interface RoutingInput {
  groups: GroupCandidate[];
  /** The process area for this case: the mailbox's default area, else the module default. */
  area: AreaInfo;
  areaSource: "mailbox" | "settings";
  /** Every area by id: an area named by a group or a rule brings its own default agent/team. */
  areas?: ReadonlyMap<number, AreaInfo>;
  /** The assignment rule that matched, if any. */
  rule?: RuleRouting | null;
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

/** The groups in precedence order: lowest priority number, then key order, so the choice is stable. */
export function orderGroups(groups: readonly GroupCandidate[]): GroupCandidate[] {
  return [...groups].sort((a, b) => a.priority - b.priority || a.key.localeCompare(b.key));
}

/** Picks the deciding group: the first in precedence order. */
export function pickGroup(groups: GroupCandidate[]): GroupCandidate | null {
  return orderGroups(groups)[0] ?? null;
}

const names = (r: Responsibility) => r.agentId !== null || r.teamId !== null || (r.caseAreaId ?? null) !== null;

export function routeCase(input: RoutingInput): RoutingDecision {
  const areaOf = (id: number): AreaInfo => (id === input.area.id ? input.area : input.areas?.get(id)) ?? { id, key: `#${id}`, defaultAgentId: null, defaultTeamId: null };
  const explain: string[] = [`area "${input.area.key}" from ${input.areaSource === "mailbox" ? "the mailbox" : "module settings"}`];
  const rule = input.rule ?? null;
  let processArea = input.area;
  if (rule?.areaId !== undefined) {
    processArea = areaOf(rule.areaId);
    explain.push(`area "${processArea.key}" from assignment rule "${rule.ruleKey}"`);
  }

  const ordered = orderGroups(input.groups);
  const group = ordered[0] ?? null;
  if (!group) explain.push("sender is in no customer group");
  else {
    const others = ordered.slice(1).map((g) => g.key);
    explain.push(`customer group "${group.key}" (via ${group.via}, priority ${group.priority})` + (others.length ? `; also in ${others.join(", ")} (lower precedence)` : ""));
  }

  // Responsibility: the first group by precedence that names one for the process area.
  let resp: { group: GroupCandidate; r: Responsibility } | null = null;
  for (const g of ordered) {
    const r = g.responsibilities.find((x) => x.areaId === processArea.id && names(x));
    if (r) {
      resp = { group: g, r };
      break;
    }
  }
  if (group && resp && resp.group.id !== group.id) {
    const skipped = ordered.slice(0, ordered.indexOf(resp.group)).map((g) => `"${g.key}"`);
    explain.push(`${skipped.join(", ")} name${skipped.length === 1 ? "s" : ""} no responsibility for "${processArea.key}": taken from group "${resp.group.key}" (next by priority)`);
  }

  // The area the case is processed in: a rule's area stands; else the responsible group's, else the process area.
  let caseArea = processArea;
  const groupCaseAreaId = resp?.r.caseAreaId ?? null;
  if (rule?.areaId === undefined && resp && groupCaseAreaId !== null) {
    caseArea = areaOf(groupCaseAreaId);
    explain.push(`group "${resp.group.key}" processes its "${processArea.key}" cases in area "${caseArea.key}"`);
  }

  let ownerId: number | null;
  let teamId: number | null;
  if (resp && (resp.r.agentId !== null || resp.r.teamId !== null)) {
    ownerId = resp.r.agentId;
    teamId = resp.r.teamId;
    explain.push(`responsibility for "${processArea.key}" from group "${resp.group.key}"`);
  } else {
    ownerId = caseArea.defaultAgentId;
    teamId = caseArea.defaultTeamId;
    explain.push(
      resp
        ? `group "${resp.group.key}" names nobody for "${processArea.key}": area default of "${caseArea.key}" applies`
        : group
          ? `no group names a responsibility for "${processArea.key}": area default of "${caseArea.key}" applies`
          : `area default of "${caseArea.key}" applies`,
    );
  }
  if (rule?.teamId !== undefined) {
    teamId = rule.teamId;
    // The routed owner belongs to the routed team; a rule's team picks its own owner (team strategy).
    if (rule.ownerId === undefined) ownerId = null;
    explain.push(`team from assignment rule "${rule.ruleKey}"`);
  }
  if (rule?.ownerId !== undefined) {
    ownerId = rule.ownerId;
    explain.push(`owner from assignment rule "${rule.ruleKey}"`);
  }

  // SLA contract: the first group by precedence that has one.
  const slaGroup = ordered.find((g) => g.slaContractId !== null) ?? null;
  if (group && slaGroup && slaGroup.id !== group.id) {
    const skipped = ordered.slice(0, ordered.indexOf(slaGroup)).map((g) => `"${g.key}"`);
    explain.push(`${skipped.join(", ")} name${skipped.length === 1 ? "s" : ""} no SLA contract: taken from group "${slaGroup.key}" (next by priority)`);
  }

  let priority: CasePriority = group?.defaultCasePriority ?? "NORMAL";
  if (rule?.priority !== undefined) {
    priority = rule.priority;
    explain.push(`priority ${priority.toLowerCase()} from assignment rule "${rule.ruleKey}"`);
  }
  return {
    areaId: caseArea.id,
    groupId: group?.id ?? null,
    ownerId,
    teamId,
    slaContractId: slaGroup?.slaContractId ?? null,
    priority,
    explain,
  };
}

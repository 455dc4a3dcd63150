/**
 * Routing with several groups and group areas (src/routing/route-case.ts): a group names the area its cases
 * are processed in, and a group that names no responsibility or no SLA lets the next group by priority
 * supply it. Table tests.
 */
import { describe, expect, it } from "vitest";
import { routeCase, type AreaInfo, type GroupCandidate, type RoutingDecision } from "../../src/routing/route-case.ts";

const helpdesk: AreaInfo = { id: 1, key: "helpdesk", defaultAgentId: 90, defaultTeamId: 91 };
const vipDesk: AreaInfo = { id: 2, key: "vip-helpdesk", defaultAgentId: 80, defaultTeamId: 81 };
const billing: AreaInfo = { id: 3, key: "billing", defaultAgentId: null, defaultTeamId: 71 };
const areas = new Map([helpdesk, vipDesk, billing].map((a) => [a.id, a]));

const g = (key: string, priority: number, over: Partial<GroupCandidate> = {}): GroupCandidate => ({
  id: priority,
  key,
  priority,
  slaContractId: null,
  defaultCasePriority: "NORMAL",
  via: "contact",
  responsibilities: [],
  ...over,
});

type Row = [string, GroupCandidate[], Partial<RoutingDecision>, string[]];
const rows: Row[] = [
  ["no group: area default", [], { areaId: 1, ownerId: 90, teamId: 91, groupId: null, slaContractId: null }, ['area default of "helpdesk" applies']],
  [
    "group area without people: the named area's own default",
    [g("vip", 10, { responsibilities: [{ areaId: 1, agentId: null, teamId: null, caseAreaId: 2 }] })],
    { areaId: 2, ownerId: 80, teamId: 81, groupId: 10 },
    ['group "vip" processes its "helpdesk" cases in area "vip-helpdesk"', 'names nobody for "helpdesk": area default of "vip-helpdesk" applies'],
  ],
  [
    "group area with its own agent and team",
    [g("vip", 10, { responsibilities: [{ areaId: 1, agentId: 5, teamId: 6, caseAreaId: 2 }] })],
    { areaId: 2, ownerId: 5, teamId: 6 },
    ['responsibility for "helpdesk" from group "vip"'],
  ],
  [
    "a group's area for another process area does not apply",
    [g("vip", 10, { responsibilities: [{ areaId: 3, agentId: null, teamId: null, caseAreaId: 2 }] })],
    { areaId: 1, ownerId: 90, teamId: 91 },
    ['no group names a responsibility for "helpdesk"'],
  ],
  [
    "winning group names no responsibility: the next group by priority supplies it",
    [g("standard", 50, { responsibilities: [{ areaId: 1, agentId: 7, teamId: null }] }), g("vip", 10, { slaContractId: 3 })],
    { groupId: 10, ownerId: 7, teamId: null, slaContractId: 3, areaId: 1 },
    ['"vip" names no responsibility for "helpdesk": taken from group "standard" (next by priority)'],
  ],
  [
    "winning group names no SLA: the next group by priority supplies it",
    [g("vip", 10, { responsibilities: [{ areaId: 1, agentId: 5, teamId: null }] }), g("gold", 20, { slaContractId: 8 }), g("silver", 30, { slaContractId: 9 })],
    { groupId: 10, ownerId: 5, slaContractId: 8 },
    ['"vip" names no SLA contract: taken from group "gold" (next by priority)'],
  ],
  [
    "two groups skipped for responsibility are both named",
    [g("a", 1), g("b", 2), g("c", 3, { responsibilities: [{ areaId: 1, agentId: null, teamId: 44 }] })],
    { groupId: 1, ownerId: null, teamId: 44 },
    ['"a", "b" name no responsibility for "helpdesk": taken from group "c" (next by priority)'],
  ],
  [
    "no group names an SLA: none",
    [g("a", 1), g("b", 2)],
    { slaContractId: null, ownerId: 90 },
    [],
  ],
  [
    "the winning group's own responsibility and SLA stand; nothing falls through",
    [g("vip", 10, { slaContractId: 1, responsibilities: [{ areaId: 1, agentId: 5, teamId: null }] }), g("gold", 20, { slaContractId: 2, responsibilities: [{ areaId: 1, agentId: 6, teamId: null }] })],
    { ownerId: 5, slaContractId: 1 },
    ['responsibility for "helpdesk" from group "vip"'],
  ],
  [
    "the winning group's priority applies even when another supplies the SLA",
    [g("vip", 10, { defaultCasePriority: "HIGH" }), g("gold", 20, { slaContractId: 2, defaultCasePriority: "LOW" })],
    { priority: "HIGH", slaContractId: 2 },
    [],
  ],
];

describe("routeCase with group areas and fall-through", () => {
  it.each(rows)("%s", (_name, groups, expected, explains) => {
    const d = routeCase({ groups, area: helpdesk, areaSource: "settings", areas });
    expect(d).toMatchObject(expected);
    for (const e of explains) expect(d.explain.join("\n")).toContain(e);
  });

  it("a rule's area, team, owner and priority win over the groups", () => {
    const groups = [g("vip", 10, { slaContractId: 4, responsibilities: [{ areaId: 3, agentId: 5, teamId: 6 }, { areaId: 1, agentId: null, teamId: null, caseAreaId: 2 }] })];
    const byArea = routeCase({ groups, area: helpdesk, areaSource: "settings", areas, rule: { ruleKey: "invoices", areaId: 3 } });
    // The rule moves the process to billing: vip's billing responsibility applies, vip's helpdesk area does not.
    expect(byArea).toMatchObject({ areaId: 3, ownerId: 5, teamId: 6, slaContractId: 4 });
    expect(byArea.explain).toContain('area "billing" from assignment rule "invoices"');
    const byTeam = routeCase({ groups, area: helpdesk, areaSource: "settings", areas, rule: { ruleKey: "r", teamId: 33, priority: "URGENT" } });
    expect(byTeam).toMatchObject({ areaId: 2, teamId: 33, ownerId: null, priority: "URGENT" });
    const byOwner = routeCase({ groups: [], area: helpdesk, areaSource: "settings", areas, rule: { ruleKey: "r", ownerId: 12 } });
    expect(byOwner).toMatchObject({ ownerId: 12, teamId: 91 });
  });
});

/**
 * Areas carry access: the area rule of case/access.ts on its own (table), combined with the team and
 * directory rules (fast-check against the independent oracle in test/oracles/case-access.ts), what the
 * notification plan and auto-follow make of it, and the configuration that declares it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { agentAreaIds, agentDirectoryIds, canSeeCase, caseAccessOf, explainCaseAccess, postView, type AgentViewer, type CaseAccess } from "../../src/case/access.ts";
import { initialFollowers } from "../../src/case/followers.ts";
import { oracleSees, type OracleCase, type OracleWorld } from "../oracles/case-access.ts";
import { configIssues, minimalConfigDoc } from "../support/config-doc.ts";

const VIP = 5;
const areaGrants = [
  { areaId: VIP, agentId: 2, teamId: null },
  { areaId: VIP, agentId: null, teamId: 200 },
];
const viewer = (agentId: number, teamIds: number[]): AgentViewer => ({ kind: "agent", agentId, teamIds, directoryIds: [], areaIds: agentAreaIds(agentId, teamIds, areaGrants) });
const vipCase: CaseAccess = { ownerId: 1, teamId: null, contactIds: [50], requesterDirectoryId: null, restrictedAreaId: VIP };

describe("the area rule", () => {
  it("grants a restricted area to the agent directly or through a team, nothing else", () => {
    expect(agentAreaIds(2, [], areaGrants)).toEqual([VIP]);
    expect(agentAreaIds(3, [200], areaGrants)).toEqual([VIP]);
    expect(agentAreaIds(4, [100], areaGrants)).toEqual([]);
  });

  it.each([
    ["direct grant", viewer(2, []), true],
    ["grant through a team", viewer(3, [200]), true],
    ["no grant", viewer(4, [100]), false],
    ["owner without grant", viewer(1, []), true],
  ])("%s → sees a case of the restricted area: %s", (_name, v, sees) => {
    expect(canSeeCase(v, vipCase)).toBe(sees);
  });

  it("leaves an open area to every agent the other rules allow", () => {
    expect(canSeeCase(viewer(4, [100]), { ...vipCase, restrictedAreaId: null })).toBe(true);
  });

  it("treats a viewer whose area grants were not loaded as granted no restricted area", () => {
    expect(canSeeCase({ kind: "agent", agentId: 2, teamIds: [], directoryIds: [] }, vipCase)).toBe(false);
  });

  it("hides every post of a case in an area the agent is not granted", () => {
    expect(postView(viewer(4, []), vipCase, { visibility: "PUBLIC", addresseeAgentId: null, addresseeContactId: null, authorDirectoryId: null })).toBe("none");
  });

  it("explains the refusal (route --explain)", () => {
    expect(explainCaseAccess(viewer(4, []), vipCase)).toEqual({ sees: false, why: "not granted the case's area" });
  });

  it("reads restriction from the case's area (caseAccessOf)", () => {
    const base = { ownerId: null, teamId: null, contacts: [] };
    expect(caseAccessOf({ ...base, area: { id: VIP, restricted: true } }).restrictedAreaId).toBe(VIP);
    expect(caseAccessOf({ ...base, area: { id: VIP, restricted: false } }).restrictedAreaId).toBeNull();
  });

  it("keeps auto-follow agents without the area off the case", () => {
    const f = initialFollowers({
      caseAccess: { ...vipCase, ownerId: null },
      autoFollowAgents: [
        { id: 2, teamIds: [], active: true, areaIds: [VIP] },
        { id: 4, teamIds: [], active: true, areaIds: [] },
      ],
      requester: null,
    });
    expect(f.agentIds.map((a) => a.id)).toEqual([2]);
  });
});

describe("team, directory and area rules together (property, against the oracle)", () => {
  const ids = (n: number) => fc.integer({ min: 1, max: n });
  const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
  const grant = (what: "directoryId" | "areaId") =>
    fc.record({ id: ids(3), agentId: nullable(ids(5)), teamId: nullable(ids(3)) }).map((g) => ({ [what]: g.id, agentId: g.agentId, teamId: g.agentId === null ? (g.teamId ?? 1) : null }) as { agentId: number | null; teamId: number | null } & Record<typeof what, number>);
  const world = fc.record({
    members: fc.array(fc.uniqueArray(ids(3), { maxLength: 3 }), { minLength: 5, maxLength: 5 }),
    directoryGrants: fc.array(grant("directoryId"), { maxLength: 6 }),
    areaGrants: fc.array(grant("areaId"), { maxLength: 6 }),
    restricted: fc.uniqueArray(ids(3), { maxLength: 3 }),
  });
  const kase = fc.record({ ownerId: nullable(ids(5)), teamId: nullable(ids(3)), requesterDirectoryId: nullable(ids(3)), areaId: ids(3) });

  it("canSeeCase agrees with the oracle for every agent", () => {
    fc.assert(
      fc.property(world, kase, (w, c: OracleCase) => {
        const oracleWorld: OracleWorld = {
          members: new Map(w.members.map((teams, i) => [i + 1, teams])),
          directoryGrants: w.directoryGrants as OracleWorld["directoryGrants"],
          areaGrants: w.areaGrants as OracleWorld["areaGrants"],
          restrictedAreas: new Set(w.restricted),
        };
        const access = caseAccessOf({
          ownerId: c.ownerId,
          teamId: c.teamId,
          contacts: [{ role: "REQUESTER", contact: { id: 50, directoryId: c.requesterDirectoryId } }],
          area: { id: c.areaId, restricted: oracleWorld.restrictedAreas.has(c.areaId) },
        });
        for (let agentId = 1; agentId <= 5; agentId++) {
          const teamIds = [...(oracleWorld.members.get(agentId) ?? [])];
          const v: AgentViewer = {
            kind: "agent",
            agentId,
            teamIds,
            directoryIds: agentDirectoryIds(agentId, teamIds, oracleWorld.directoryGrants),
            areaIds: agentAreaIds(agentId, teamIds, oracleWorld.areaGrants),
          };
          expect(canSeeCase(v, access)).toBe(oracleSees(oracleWorld, agentId, c));
          expect(explainCaseAccess(v, access).sees).toBe(oracleSees(oracleWorld, agentId, c));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("areas and group areas in the configuration", () => {
  const doc = (over: Record<string, unknown>) =>
    minimalConfigDoc({
      areas: [{ key: "helpdesk", name: "Helpdesk" }, { key: "vip-helpdesk", name: "VIP", access: { agents: ["alice"], teams: [] } }],
      ...over,
    });

  it("accepts an area with access and a group that names the area its cases are processed in", () => {
    expect(configIssues(doc({ customerGroups: [{ key: "vip", name: "VIP", responsibilities: { helpdesk: { area: "vip-helpdesk" } } }] }))).toEqual([]);
  });

  it("names the field of an unknown agent, team or area", () => {
    const issues = configIssues(
      doc({
        areas: [{ key: "helpdesk", name: "Helpdesk", access: { agents: ["nobody"], teams: ["ghosts"] } }],
        customerGroups: [{ key: "vip", name: "VIP", responsibilities: { helpdesk: { area: "nowhere" } } }],
      }),
    );
    expect(issues).toEqual([
      'areas.0.access.agents.0: unknown agent "nobody"',
      'areas.0.access.teams.0: unknown team "ghosts"',
      'customerGroups.0.responsibilities.helpdesk.area: unknown area "nowhere"',
    ]);
  });

  it("rejects a responsibility that names nothing", () => {
    expect(configIssues(doc({ customerGroups: [{ key: "vip", name: "VIP", responsibilities: { helpdesk: {} } }] }))).toEqual([
      "customerGroups.0.responsibilities.helpdesk: name an agent, a team, an area, or several",
    ]);
  });
});

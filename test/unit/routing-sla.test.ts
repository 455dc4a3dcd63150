import { describe, expect, it } from "vitest";
import { routeCase, type GroupCandidate } from "../../src/routing/route-case.ts";
import { pickTarget } from "../../src/sla/sla-due.ts";

const area = { id: 1, key: "helpdesk", defaultAgentId: 90, defaultTeamId: 91 };
const group = (over: Partial<GroupCandidate>): GroupCandidate => ({
  id: 10,
  key: "vip",
  priority: 10,
  slaContractId: 5,
  defaultCasePriority: "HIGH",
  via: "contact",
  responsibilities: [{ areaId: 1, agentId: 2, teamId: 3 }],
  ...over,
});

describe("routeCase", () => {
  it("takes owner and team from the group's responsibility for the area", () => {
    const d = routeCase({ groups: [group({})], area, areaSource: "settings" });
    expect(d).toMatchObject({ ownerId: 2, teamId: 3, groupId: 10, slaContractId: 5, priority: "HIGH" });
  });

  it("falls back to the area default when the group names nobody for this area", () => {
    const d = routeCase({ groups: [group({ responsibilities: [{ areaId: 2, agentId: 2, teamId: 3 }] })], area, areaSource: "settings" });
    expect(d).toMatchObject({ ownerId: 90, teamId: 91, groupId: 10, slaContractId: 5 });
    expect(d.explain.join("\n")).toContain("area default");
  });

  it("falls back to the area default for a sender in no group", () => {
    expect(routeCase({ groups: [], area, areaSource: "mailbox" })).toMatchObject({ ownerId: 90, teamId: 91, groupId: null, slaContractId: null, priority: "NORMAL" });
  });

  it("lets the group with the lower priority number decide when a contact is in several", () => {
    const d = routeCase({
      groups: [group({ id: 11, key: "standard", priority: 50, responsibilities: [] }), group({ id: 10, key: "vip", priority: 10, via: "account" })],
      area,
      areaSource: "settings",
    });
    expect(d.groupId).toBe(10);
    expect(d.explain.join("\n")).toContain("also in standard");
  });
});

describe("pickTarget", () => {
  const targets = [
    { priority: "HIGH" as const, firstResponseMinutes: 60, resolutionMinutes: 480 },
    { priority: "NORMAL" as const, firstResponseMinutes: 240, resolutionMinutes: 2880 },
  ];

  it("takes the contract's target for the case priority", () => {
    expect(pickTarget(targets, "HIGH")).toEqual({ priority: "HIGH", firstResponseMinutes: 60, resolutionMinutes: 480 });
  });

  it("uses the next stricter target when the priority has none", () => {
    expect(pickTarget(targets, "LOW")?.priority).toBe("NORMAL");
  });

  it("uses the nearest looser target when no stricter one exists", () => {
    expect(pickTarget(targets, "URGENT")?.priority).toBe("HIGH");
  });

  it("returns null without a contract", () => {
    expect(pickTarget([], "HIGH")).toBeNull();
  });
});

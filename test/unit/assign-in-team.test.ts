import { describe, expect, it } from "vitest";
import { assignInTeam, type TeamMemberLoad } from "../../src/routing/assign-in-team.ts";

const members = (...loads: Array<[number, number, boolean?]>): TeamMemberLoad[] => loads.map(([agentId, openCases, active = true]) => ({ agentId, openCases, active }));

describe("assignInTeam", () => {
  it("round-robin walks the members in order and wraps", () => {
    const team = members([3, 0], [1, 0], [2, 0]);
    const picks: number[] = [];
    let last: number | null = null;
    for (let i = 0; i < 5; i++) {
      last = assignInTeam("round-robin", team, last).agentId;
      picks.push(last!);
    }
    expect(picks).toEqual([1, 2, 3, 1, 2]);
  });

  it("round-robin skips inactive members and copes with the last one having left", () => {
    expect(assignInTeam("round-robin", members([1, 0], [2, 0, false], [3, 0]), 1).agentId).toBe(3);
    expect(assignInTeam("round-robin", members([1, 0], [3, 0]), 2).agentId).toBe(3);
    expect(assignInTeam("round-robin", members([1, 0], [3, 0]), 9).agentId).toBe(1);
  });

  it("least-loaded takes the member with the fewest open cases, ties in round-robin order", () => {
    expect(assignInTeam("least-loaded", members([1, 4], [2, 1], [3, 2]), null).agentId).toBe(2);
    expect(assignInTeam("least-loaded", members([1, 0], [2, 0]), 1).agentId).toBe(2);
    expect(assignInTeam("least-loaded", members([1, 0], [2, 0]), 2).agentId).toBe(1);
  });

  it("assigns nobody when the team says none or has no active member", () => {
    expect(assignInTeam("none", members([1, 0]), null).agentId).toBeNull();
    expect(assignInTeam("round-robin", members([1, 0, false]), null)).toEqual({ agentId: null, explain: "no active member for round-robin" });
  });
});

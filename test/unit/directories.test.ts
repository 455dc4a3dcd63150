/**
 * Directories (address books) and agent access: every rule of case/access.ts that involves them, what the
 * notification plan makes of them, and the configuration that declares them.
 */
import { describe, expect, it } from "vitest";
import { parseHelpdeskConfig } from "../../src/config/helpdesk-config.ts";
import { planNotifications, type PlanAgent, type PlanInput } from "../../src/pipeline/notify/notification-plan.ts";
import { initialFollowers } from "../../src/case/followers.ts";
import {
  agentDirectoryIds,
  canSeeCase,
  canSeeCaseContact,
  caseAccessOf,
  postView,
  type AgentViewer,
  type CaseAccess,
  type DirectoryGrant,
} from "../../src/case/access.ts";
import { configIssues as issuesOf, minimalConfigDoc } from "../support/config-doc.ts";

// Directory 7 ("board") is open to agent 2 directly and to team 200; agent 3 is in team 200; agent 4 has nothing.
// Team 100 is the case's team (the team routing gave it by the customer's group).
const BOARD = 7;
const grants: DirectoryGrant[] = [
  { directoryId: BOARD, agentId: 2, teamId: null },
  { directoryId: BOARD, agentId: null, teamId: 200 },
  { directoryId: 8, agentId: 9, teamId: null },
];
const viewer = (agentId: number, teamIds: number[]): AgentViewer => ({ kind: "agent", agentId, teamIds, directoryIds: agentDirectoryIds(agentId, teamIds, grants) });
const direct = viewer(2, [100]);
const viaTeam = viewer(3, [100, 200]);
const noAccess = viewer(4, [100]);
const owner = viewer(1, []);
const restricted: CaseAccess = { ownerId: 1, teamId: 100, contactIds: [50, 51], requesterDirectoryId: BOARD };
const open: CaseAccess = { ...restricted, requesterDirectoryId: null };
const pubBy = (authorDirectoryId: number | null) => ({ visibility: "PUBLIC" as const, addresseeAgentId: null, addresseeContactId: null, authorDirectoryId });

describe("directory access of an agent", () => {
  it("comes from grants to the agent and to the agent's teams, nothing else", () => {
    expect(agentDirectoryIds(2, [], grants)).toEqual([BOARD]);
    expect(agentDirectoryIds(3, [200], grants)).toEqual([BOARD]);
    expect(agentDirectoryIds(4, [100], grants)).toEqual([]);
    expect(agentDirectoryIds(2, [200], grants)).toEqual([BOARD]);
  });
});

describe("cases of contacts in directories", () => {
  it("lets an agent with a direct grant see a case whose requester is in the directory", () => {
    expect(canSeeCase(direct, restricted)).toBe(true);
  });

  it("lets an agent see it through a team's grant", () => {
    expect(canSeeCase(viaTeam, restricted)).toBe(true);
  });

  it("hides it from an agent of the case's team without access to the directory", () => {
    expect(canSeeCase(noAccess, restricted)).toBe(false);
  });

  it("shows a requester of the open directory (no directory) to every agent the team rule allows", () => {
    expect(canSeeCase(noAccess, open)).toBe(true);
    expect(canSeeCase(noAccess, { ownerId: 1, teamId: 100, contactIds: [50] })).toBe(true);
    expect(canSeeCase(viewer(5, [101]), open)).toBe(false);
  });

  it("still needs the team rule: directory access does not open another team's case", () => {
    expect(canSeeCase(viewer(2, [101]), restricted)).toBe(false);
  });

  it("grants nothing for customer-group membership: the team a group routes its cases to still needs directory access", () => {
    // Agent 4 is in team 100, which the group's responsibility made the case's team; the group gives no directory.
    expect(canSeeCase(noAccess, restricted)).toBe(false);
    expect(postView(noAccess, restricted, pubBy(BOARD))).toBe("none");
  });

  it("always shows the owner their case, even without access, and only that case", () => {
    expect(owner.directoryIds).toEqual([]);
    expect(canSeeCase(owner, restricted)).toBe(true);
    expect(canSeeCase(owner, { ...restricted, ownerId: 2 })).toBe(false);
    expect(postView(owner, restricted, pubBy(BOARD))).toBe("full");
  });

  it("keeps the customer's own view: a contact sees the cases they are on, whatever the directory", () => {
    expect(canSeeCase({ kind: "contact", contactId: 50 }, restricted)).toBe(true);
    expect(canSeeCase({ kind: "contact", contactId: 99 }, restricted)).toBe(false);
  });

  it("decides by the requester's directory (caseAccessOf)", () => {
    const c = caseAccessOf({
      ownerId: null,
      teamId: null,
      contacts: [
        { role: "CC", contact: { id: 51, directoryId: 8 } },
        { role: "REQUESTER", contact: { id: 50, directoryId: BOARD } },
      ],
      area: { id: 3, restricted: false },
    });
    expect(c).toEqual({ ownerId: null, teamId: null, contactIds: [51, 50], requesterDirectoryId: BOARD, restrictedAreaId: null });
    expect(caseAccessOf({ ownerId: null, teamId: null, contacts: [], area: { id: 3, restricted: false } }).requesterDirectoryId).toBeNull();
  });
});

describe("CC contacts of directories the agent may not see", () => {
  it("hides their address but not the case", () => {
    expect(canSeeCase(noAccess, open)).toBe(true);
    expect(canSeeCaseContact(noAccess, open, BOARD)).toBe(false);
    expect(canSeeCaseContact(noAccess, open, null)).toBe(true);
    expect(canSeeCaseContact(viaTeam, open, BOARD)).toBe(true);
  });

  it("shows them to the owner", () => {
    expect(canSeeCaseContact(owner, open, BOARD)).toBe(true);
  });

  it("shows nothing of a case the agent may not see", () => {
    expect(canSeeCaseContact(noAccess, restricted, null)).toBe(false);
  });

  it("hides what they wrote, and keeps private posts arrival-only for agents with access", () => {
    expect(postView(noAccess, open, pubBy(BOARD))).toBe("none");
    expect(postView(noAccess, open, pubBy(null))).toBe("full");
    expect(postView(direct, open, pubBy(BOARD))).toBe("full");
    expect(postView(owner, open, pubBy(BOARD))).toBe("full");
    expect(postView(direct, open, { ...pubBy(null), visibility: "PRIVATE", addresseeAgentId: 3 })).toBe("arrival-only");
  });
});

describe("notifications under the directory rule", () => {
  const planAgent = (id: number, teamIds: number[]): PlanAgent => ({ id, teamIds, active: true, directoryIds: agentDirectoryIds(id, teamIds, grants) });
  const agents = new Map([
    [1, planAgent(1, [])],
    [2, planAgent(2, [100])],
    [3, planAgent(3, [100, 200])],
    [4, planAgent(4, [100])],
  ]);
  const contacts = new Map([
    [50, { id: 50, portalUser: true, bouncing: false }],
    [51, { id: 51, portalUser: false, bouncing: false }],
  ]);
  const base: PlanInput = {
    event: "case-opened",
    caseAccess: restricted,
    post: { ...pubBy(BOARD), source: "CUSTOMER_EMAIL", authorAgentId: null, authorContactId: 50 },
    // 4 auto-follows everything; 2, 3 and 4 are in the case's team.
    followerAgentIds: [1, 4],
    followerContactIds: [50],
    teamMemberIds: [2, 3, 4],
    agents,
    contacts,
    automatic: false,
  };
  const who = (input: PlanInput) => planNotifications(input).map((r) => `${r.kind}:${r.to === "agent" ? `a${r.agentId}` : `c${r.contactId}`}`);

  it("tells no agent without access of a new case, follower or team member alike; the owner is told", () => {
    expect(who(base)).toEqual(["NEW_CASE:a1", "NEW_CASE:a2", "NEW_CASE:a3", "ACK:c50"]);
  });

  it("treats an agent whose grants were not loaded as seeing the open directory only", () => {
    const bare = new Map([...agents, [2, { id: 2, teamIds: [100], active: true }]]);
    expect(who({ ...base, agents: bare })).not.toContain("NEW_CASE:a2");
    expect(who({ ...base, agents: bare, caseAccess: open, post: { ...base.post, authorDirectoryId: null } })).toContain("NEW_CASE:a2");
  });

  it("does not mail a post of a hidden CC contact to agents without access, but keeps customer mail as it was", () => {
    const input: PlanInput = {
      ...base,
      event: "post-added",
      caseAccess: open,
      followerAgentIds: [1, 3, 4],
      post: { ...pubBy(BOARD), source: "CUSTOMER_EMAIL", authorAgentId: null, authorContactId: 51 },
    };
    expect(who(input)).toEqual(["UPDATE:a1", "UPDATE:a3", "UPDATE:c50"]);
  });

  it("mails an agent's public reply to every contact, hidden CC included (customer rules unchanged)", () => {
    const post = { ...pubBy(null), source: "AGENT_EMAIL" as const, authorAgentId: 1, authorContactId: null };
    expect(who({ ...base, event: "post-added", caseAccess: open, post })).toEqual(["UPDATE:a4", "REPLY:c50", "REPLY:c51"]);
  });

  it("makes auto-follow agents followers only where they may see the requester's directory", () => {
    const f = initialFollowers({ caseAccess: restricted, autoFollowAgents: [agents.get(3)!, agents.get(4)!], requester: null });
    expect(f.agentIds).toEqual([
      { id: 1, reason: "owner" },
      { id: 3, reason: "auto-follow" },
    ]);
  });
});

describe("directories in the configuration", () => {
  const minimal = () => minimalConfigDoc({ teams: [{ key: "desk", name: "Desk", members: ["alice"] }] });

  it("accepts directories with access lists and contacts in them; access defaults to nobody", () => {
    const cfg = parseHelpdeskConfig({
      ...minimal(),
      directories: [
        { key: "board", name: "Board", access: { agents: ["alice"], teams: ["desk"] } },
        { key: "sealed", name: "Sealed" },
      ],
      contacts: [{ email: "CEO@Globex.test", directory: "board" }, { email: "pat@acme.test" }],
    });
    expect(cfg.directories[1]!.access).toEqual({ agents: [], teams: [] });
    expect(cfg.contacts.map((c) => c.directory)).toEqual(["board", undefined]);
    expect(parseHelpdeskConfig(minimal()).directories).toEqual([]);
  });

  it("names the field of every unknown or duplicate directory reference", () => {
    const issues = issuesOf({
      ...minimal(),
      directories: [
        { key: "board", name: "Board", access: { agents: ["alcie"], teams: ["dsk"] } },
        { key: "board", name: "Again" },
      ],
      contacts: [{ email: "x@globex.test", directory: "x" }],
    });
    expect(issues).toContain('contacts.0.directory: unknown directory "x"');
    expect(issues).toContain('directories.0.access.agents.0: unknown agent "alcie"');
    expect(issues).toContain('directories.0.access.teams.0: unknown team "dsk"');
    expect(issues).toContain('directories.1.key: duplicate key "board"');
  });

  it("rejects unknown fields in a directory and its access", () => {
    const issues = issuesOf({ ...minimal(), directories: [{ key: "board", name: "Board", access: { groups: ["vip"] } }] });
    expect(issues.some((i) => i.startsWith("directories.0.access:") && i.includes("groups"))).toBe(true);
  });
});

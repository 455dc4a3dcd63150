/**
 * Agents' email preferences by event and Team.followsCases: how the stored preferences are read, what the
 * notification plan makes of them, and the configuration that declares them.
 */
import { describe, expect, it } from "vitest";
import { HelpdeskConfigError, parseHelpdeskConfig } from "../../src/config/helpdesk-config.ts";
import { planNotifications, portalCaseUrl, type PlanAgent, type PlanInput } from "../../src/pipeline/notify/notification-plan.ts";
import { NOTIFY_EVENTS, parsePreferences, preferencesFromConfig, wantsEmail, type NotifyEvent } from "../../src/config/agent-preferences.ts";
import { minimalConfigDoc } from "../support/config-doc.ts";

describe("wantsEmail", () => {
  it("wants every email when nothing is stored", () => {
    for (const event of NOTIFY_EVENTS) {
      expect(wantsEmail({}, event)).toBe(true);
      expect(wantsEmail(undefined, event)).toBe(true);
      expect(wantsEmail(null, event)).toBe(true);
    }
  });

  it("turns off exactly the event switched off", () => {
    for (const off of NOTIFY_EVENTS) {
      for (const event of NOTIFY_EVENTS) expect(wantsEmail({ [off]: false }, event)).toBe(event !== off);
    }
    expect(wantsEmail({ "sla-warning": true }, "sla-warning")).toBe(true);
  });

  it("ignores unknown keys and reads an unreadable value (or document) as on", () => {
    expect(parsePreferences({ "new-case-in-team": false, digest: "daily", newCaseInTeam: false })).toEqual({ "new-case-in-team": false });
    expect(wantsEmail({ "assigned-to-me": "no", "sla-warning": false }, "assigned-to-me")).toBe(true);
    expect(wantsEmail({ "assigned-to-me": "no", "sla-warning": false }, "sla-warning")).toBe(false);
    for (const odd of ["off", 42, [false], true]) expect(wantsEmail(odd, "followed-case-post")).toBe(true);
  });

  it("stores the file's camelCase switches under the event names", () => {
    expect(preferencesFromConfig({ newCaseInTeam: false, followedCasePost: true, assignedToMe: false, slaWarning: true })).toEqual({
      "new-case-in-team": false,
      "followed-case-post": true,
      "assigned-to-me": false,
      "sla-warning": true,
    });
  });
});

// Case of team 100 owned by agent 1. Agent 2 is a plain team member, agent 3 a team member who auto-follows,
// agent 5 a follower of a case without a team. Contact 50 is a portal user, 51 is not.
const caseAccess = { ownerId: 1, teamId: 100, contactIds: [50, 51] };
const pub = { visibility: "PUBLIC" as const, addresseeAgentId: null, addresseeContactId: null, authorDirectoryId: null };
const off = (event: NotifyEvent) => ({ [event]: false });
function agentsWith(prefs: Record<number, Record<string, boolean>> = {}): Map<number, PlanAgent> {
  return new Map(
    [
      { id: 1, teamIds: [100] },
      { id: 2, teamIds: [100] },
      { id: 3, teamIds: [100] },
      { id: 5, teamIds: [] },
    ].map((a) => [a.id, { ...a, active: true, preferences: prefs[a.id] ?? {} }]),
  );
}
const contacts = new Map([
  [50, { id: 50, portalUser: true, bouncing: false }],
  [51, { id: 51, portalUser: false, bouncing: false }],
]);
const opened: PlanInput = {
  event: "case-opened",
  caseAccess,
  post: { ...pub, source: "CUSTOMER_EMAIL", authorAgentId: null, authorContactId: 51 },
  followerAgentIds: [1, 3],
  followerContactIds: [],
  teamMemberIds: [1, 2, 3],
  agents: agentsWith(),
  contacts,
  automatic: false,
};
const update: PlanInput = { ...opened, event: "post-added", followerContactIds: [50] };
const who = (input: PlanInput) => planNotifications(input).map((r) => `${r.kind}:${r.to === "agent" ? `a${r.agentId}` : `c${r.contactId}`}`);
const agentsOnly = (input: PlanInput) => who(input).filter((w) => w.includes(":a"));

describe("planNotifications with preferences", () => {
  it("mails everybody as before when nobody switched anything off", () => {
    expect(who(opened)).toEqual(["NEW_CASE:a1", "NEW_CASE:a3", "NEW_CASE:a2", "ACK:c51"]);
    expect(who(update)).toEqual(["UPDATE:a1", "UPDATE:a3", "UPDATE:c50"]);
  });

  it("gives each agent one reason: owner first, then team member, then follower", () => {
    const reasons = planNotifications(opened).flatMap((r) => (r.to === "agent" ? [`a${r.agentId}:${r.reason}`] : []));
    expect(reasons).toEqual(["a1:owner", "a3:team", "a2:team"]);
    expect(planNotifications(update).flatMap((r) => (r.to === "agent" ? [r.reason] : []))).toEqual(["follower", "follower"]);
  });

  describe("new case → owner: assigned-to-me", () => {
    it("tells the owner nothing of their new case when switched off, and everybody else as before", () => {
      expect(agentsOnly({ ...opened, agents: agentsWith({ 1: off("assigned-to-me") }) })).toEqual(["NEW_CASE:a3", "NEW_CASE:a2"]);
    });

    it("ignores the owner's other switches for the new-case notice (owner and team member and follower at once)", () => {
      const agents = agentsWith({ 1: { ...off("new-case-in-team"), ...off("followed-case-post"), ...off("sla-warning") } });
      expect(agentsOnly({ ...opened, agents })).toContain("NEW_CASE:a1");
    });

    it("applies to an owner who is only a team member (not yet a follower), too", () => {
      const input = { ...opened, followerAgentIds: [3], agents: agentsWith({ 1: off("assigned-to-me") }) };
      expect(agentsOnly(input)).not.toContain("NEW_CASE:a1");
    });
  });

  describe("new case → team member: new-case-in-team", () => {
    it("tells a member who switched it off nothing, while a teammate still hears of it", () => {
      expect(agentsOnly({ ...opened, agents: agentsWith({ 2: off("new-case-in-team") }) })).toEqual(["NEW_CASE:a1", "NEW_CASE:a3"]);
    });

    it("ignores the member's other switches", () => {
      const agents = agentsWith({ 2: { ...off("assigned-to-me"), ...off("followed-case-post"), ...off("sla-warning") } });
      expect(agentsOnly({ ...opened, agents })).toContain("NEW_CASE:a2");
    });

    it("wins over auto-follow: a member who follows every case but turned new cases off gets no notice", () => {
      expect(agentsOnly({ ...opened, agents: agentsWith({ 3: off("new-case-in-team") }) })).not.toContain("NEW_CASE:a3");
      expect(agentsOnly({ ...opened, agents: agentsWith({ 3: off("followed-case-post") }) })).toContain("NEW_CASE:a3");
    });
  });

  describe("new case → follower outside any team notice: followed-case-post", () => {
    const noTeam: PlanInput = { ...opened, caseAccess: { ...caseAccess, teamId: null }, followerAgentIds: [1, 5], teamMemberIds: [] };

    it("follows the follower's switch", () => {
      expect(agentsOnly(noTeam)).toEqual(["NEW_CASE:a1", "NEW_CASE:a5"]);
      expect(agentsOnly({ ...noTeam, agents: agentsWith({ 5: off("followed-case-post") }) })).toEqual(["NEW_CASE:a1"]);
      expect(agentsOnly({ ...noTeam, agents: agentsWith({ 5: off("new-case-in-team") }) })).toEqual(["NEW_CASE:a1", "NEW_CASE:a5"]);
    });
  });

  describe("post → follower: followed-case-post", () => {
    it("mails a follower who switched it off nothing, the owner included", () => {
      expect(agentsOnly({ ...update, agents: agentsWith({ 3: off("followed-case-post") }) })).toEqual(["UPDATE:a1"]);
      expect(agentsOnly({ ...update, agents: agentsWith({ 1: off("followed-case-post") }) })).toEqual(["UPDATE:a3"]);
    });

    it("ignores the follower's other switches (being owner or team member does not matter for posts)", () => {
      const agents = agentsWith({ 1: off("assigned-to-me"), 3: { ...off("new-case-in-team"), ...off("sla-warning") } });
      expect(agentsOnly({ ...update, agents })).toEqual(["UPDATE:a1", "UPDATE:a3"]);
    });

    it("keeps a private post's arrival-only view for whoever still gets it", () => {
      const privateTo3 = { ...update.post, visibility: "PRIVATE" as const, addresseeAgentId: 3 };
      const plan = planNotifications({ ...update, post: privateTo3, agents: agentsWith({ 3: off("followed-case-post") }) });
      expect(plan.map((r) => (r.to === "agent" ? `a${r.agentId}:${r.view}` : "contact"))).toEqual(["a1:arrival-only"]);
    });
  });

  it("never filters customers by agents' preferences", () => {
    const allOff = Object.fromEntries(NOTIFY_EVENTS.map((e) => [e, false]));
    const agents = agentsWith({ 1: allOff, 2: allOff, 3: allOff, 5: allOff });
    expect(who({ ...opened, agents })).toEqual(["ACK:c51"]);
    expect(who({ ...update, agents })).toEqual(["UPDATE:c50"]);
    const agentReply = { ...pub, source: "AGENT_EMAIL" as const, authorAgentId: 1, authorContactId: null };
    expect(who({ ...update, agents, post: agentReply })).toEqual(["REPLY:c50", "REPLY:c51"]);
  });
});

describe("planNotifications with Team.followsCases", () => {
  it("keeps the new-case notice to team members when the team follows its cases (the default)", () => {
    expect(agentsOnly({ ...opened, teamFollowsCases: true })).toEqual(["NEW_CASE:a1", "NEW_CASE:a3", "NEW_CASE:a2"]);
    expect(agentsOnly({ ...opened, teamFollowsCases: undefined })).toEqual(agentsOnly({ ...opened, teamFollowsCases: true }));
  });

  it("tells only the owner and followers when the team does not follow its cases", () => {
    expect(agentsOnly({ ...opened, teamFollowsCases: false })).toEqual(["NEW_CASE:a1", "NEW_CASE:a3"]);
  });

  it("then judges a following member as a follower: followed-case-post, not new-case-in-team", () => {
    const input = { ...opened, teamFollowsCases: false };
    expect(agentsOnly({ ...input, agents: agentsWith({ 3: off("new-case-in-team") }) })).toContain("NEW_CASE:a3");
    expect(agentsOnly({ ...input, agents: agentsWith({ 3: off("followed-case-post") }) })).not.toContain("NEW_CASE:a3");
    expect(planNotifications(input).find((r) => r.to === "agent" && r.agentId === 3)?.reason).toBe("follower");
  });

  it("changes nothing for posts (team members who do not follow never got updates) nor for customers", () => {
    expect(who({ ...update, teamFollowsCases: false })).toEqual(who(update));
    expect(who({ ...opened, teamFollowsCases: false })).toContain("ACK:c51");
  });
});

describe("portal case link", () => {
  it("is the portal URL with /cases/<number>, whatever trailing slash the URL has", () => {
    expect(portalCaseUrl("https://support.example.com/portal", 42)).toBe("https://support.example.com/portal/cases/42");
    expect(portalCaseUrl("https://support.example.com/portal/", 42)).toBe("https://support.example.com/portal/cases/42");
  });
});

describe("configuration", () => {
  const minimal = (agents: unknown[], teams: unknown[] = []) => minimalConfigDoc({ agents, teams });

  it("defaults every notify switch to on and a team to following its cases", () => {
    const cfg = parseHelpdeskConfig(minimal([{ key: "alice", name: "Alice", email: "alice@helpdesk.test" }], [{ key: "t", name: "T", members: ["alice"] }]));
    expect(cfg.agents[0]!.notify).toEqual({ newCaseInTeam: true, followedCasePost: true, assignedToMe: true, slaWarning: true });
    expect(cfg.teams[0]!.followsCases).toBe(true);
  });

  it("takes the switches given and defaults the rest", () => {
    const cfg = parseHelpdeskConfig(
      minimal([{ key: "alice", name: "Alice", email: "alice@helpdesk.test", notify: { newCaseInTeam: false, slaWarning: false } }], [{ key: "t", name: "T", followsCases: false }]),
    );
    expect(cfg.agents[0]!.notify).toEqual({ newCaseInTeam: false, followedCasePost: true, assignedToMe: true, slaWarning: false });
    expect(cfg.teams[0]!.followsCases).toBe(false);
  });

  it("names a misspelt or mistyped switch", () => {
    const bad = (notify: unknown) => () => parseHelpdeskConfig(minimal([{ key: "alice", name: "Alice", email: "alice@helpdesk.test", notify }]));
    expect(bad({ newCaseInTeem: false })).toThrow(HelpdeskConfigError);
    expect(bad({ newCaseInTeem: false })).toThrow(/agents\.0\.notify/);
    expect(bad({ slaWarning: "no" })).toThrow(/agents\.0\.notify\.slaWarning/);
    expect(() => parseHelpdeskConfig(minimal([], [{ key: "t", name: "T", followsCases: "yes" }]))).toThrow(/teams\.0\.followsCases/);
  });
});

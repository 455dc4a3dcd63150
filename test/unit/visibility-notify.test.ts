import { describe, expect, it } from "vitest";
import { planNotifications, type PlanInput } from "../../src/pipeline/notify/notification-plan.ts";
import { initialFollowers } from "../../src/case/followers.ts";
import { parseAgentReply } from "../oracles/agent-reply.ts";
import { canSeeCase, postView } from "../../src/case/access.ts";

const caseAccess = { ownerId: 1, teamId: 100, contactIds: [50, 51] };
const agent = (id: number, teamIds: number[] = []) => ({ kind: "agent" as const, agentId: id, teamIds, directoryIds: [] });
const pub = { visibility: "PUBLIC" as const, addresseeAgentId: null, addresseeContactId: null, authorDirectoryId: null };
const internal = { ...pub, visibility: "INTERNAL" as const };
const privateTo2 = { ...pub, visibility: "PRIVATE" as const, addresseeAgentId: 2 };

describe("visibility", () => {
  it("limits a case with a team to its members and owner", () => {
    expect(canSeeCase(agent(1), caseAccess)).toBe(true);
    expect(canSeeCase(agent(2, [100]), caseAccess)).toBe(true);
    expect(canSeeCase(agent(3, [101]), caseAccess)).toBe(false);
    expect(canSeeCase(agent(3), { ...caseAccess, teamId: null })).toBe(true);
  });

  it("never shows internal posts to a customer", () => {
    expect(postView({ kind: "contact", contactId: 50 }, caseAccess, internal)).toBe("none");
    expect(postView(agent(1), caseAccess, internal)).toBe("full");
  });

  it("shows a private post to its addressee and only its arrival to other agents", () => {
    expect(postView(agent(2, [100]), caseAccess, privateTo2)).toBe("full");
    expect(postView(agent(1), caseAccess, privateTo2)).toBe("arrival-only");
    expect(postView({ kind: "contact", contactId: 50 }, caseAccess, privateTo2)).toBe("none");
  });

  it("hides a case from contacts who are not on it", () => {
    expect(postView({ kind: "contact", contactId: 99 }, caseAccess, pub)).toBe("none");
  });
});

describe("planNotifications", () => {
  const agents = new Map([
    [1, { id: 1, teamIds: [100], active: true }],
    [2, { id: 2, teamIds: [100], active: true }],
    [3, { id: 3, teamIds: [], active: true }],
    [4, { id: 4, teamIds: [100], active: false }],
  ]);
  const contacts = new Map([
    [50, { id: 50, portalUser: true, bouncing: false }],
    [51, { id: 51, portalUser: false, bouncing: false }],
  ]);
  const base: PlanInput = {
    event: "post-added",
    caseAccess,
    post: { ...pub, source: "CUSTOMER_EMAIL", authorAgentId: null, authorContactId: 51 },
    followerAgentIds: [1, 3],
    followerContactIds: [50],
    teamMemberIds: [1, 2, 4],
    agents,
    contacts,
    automatic: false,
  };
  const who = (input: PlanInput) => planNotifications(input).map((r) => `${r.kind}:${r.to === "agent" ? `a${r.agentId}` : `c${r.contactId}`}`);

  it("acknowledges a new case to its requester and tells followers and the team", () => {
    expect(who({ ...base, event: "case-opened" })).toEqual(["NEW_CASE:a1", "NEW_CASE:a2", "ACK:c51"]);
  });

  it("sends no acknowledgement in answer to automatic mail", () => {
    expect(who({ ...base, event: "case-opened", automatic: true })).not.toContain("ACK:c51");
  });

  it("skips followers who may not see the case (agent 3 is outside the team)", () => {
    expect(who(base)).not.toContain("UPDATE:a3");
  });

  it("gives portal followers nothing of an internal case, while agents still hear of it", () => {
    expect(who({ ...base, caseInternal: true })).toEqual(["UPDATE:a1"]);
  });

  it("updates portal followers on public posts only", () => {
    expect(who(base)).toEqual(["UPDATE:a1", "UPDATE:c50"]);
    expect(who({ ...base, post: { ...base.post, ...internal } })).toEqual(["UPDATE:a1"]);
  });

  it("mails an agent's public reply to every contact and not as an extra update", () => {
    const post = { ...pub, source: "AGENT_EMAIL" as const, authorAgentId: 1, authorContactId: null };
    expect(who({ ...base, post })).toEqual(["REPLY:c50", "REPLY:c51"]);
  });

  it("mails an agent's public post from the CLI or API exactly like a reply by email", () => {
    const post = { ...pub, source: "AGENT_DESK" as const, authorAgentId: 1, authorContactId: null };
    expect(who({ ...base, post })).toEqual(["REPLY:c50", "REPLY:c51"]);
  });

  it("sends no acknowledgement when the agent who opened the case asked for none, and still tells the team", () => {
    expect(who({ ...base, event: "case-opened", acknowledge: false })).toEqual(["NEW_CASE:a1", "NEW_CASE:a2"]);
  });

  it("mails an internal agent note to no customer and not back to its author", () => {
    const post = { ...internal, source: "AGENT_EMAIL" as const, authorAgentId: 1, authorContactId: null };
    expect(who({ ...base, followerAgentIds: [1, 2], post })).toEqual(["UPDATE:a2"]);
  });

  it("gives a contact without a portal account no stream notifications", () => {
    expect(who({ ...base, followerContactIds: [51], post: { ...base.post, authorContactId: 50 } })).toEqual(["UPDATE:a1"]);
  });

  it("skips bouncing addresses", () => {
    const bouncing = new Map([...contacts, [51, { id: 51, portalUser: false, bouncing: true }]]);
    expect(who({ ...base, event: "case-opened", contacts: bouncing })).not.toContain("ACK:c51");
  });
});

describe("initialFollowers", () => {
  it("adds the owner, auto-follow agents who may see the case, and a portal requester", () => {
    const f = initialFollowers({
      caseAccess,
      autoFollowAgents: [
        { id: 2, teamIds: [100], active: true },
        { id: 3, teamIds: [], active: true },
      ],
      requester: { id: 50, portalUser: true, bouncing: false },
    });
    expect(f.agentIds).toEqual([
      { id: 1, reason: "owner" },
      { id: 2, reason: "auto-follow" },
    ]);
    expect(f.contactIds).toEqual([{ id: 50, reason: "portal requester" }]);
  });

  it("does not make a contact without a portal account a follower", () => {
    expect(initialFollowers({ caseAccess, autoFollowAgents: [], requester: { id: 51, portalUser: false, bouncing: false } }).contactIds).toEqual([]);
  });
});

// parseAgentReply is a test oracle (test/oracles/): agent-commands.test.ts checks the production parser
// against it, so its own rules are pinned here.
describe("parseAgentReply", () => {
  it("makes a reply starting with #internal an internal note without the command", () => {
    expect(parseAgentReply("\n#internal\nCustomer is on the old firmware.\n", "public")).toEqual({
      visibility: "INTERNAL",
      body: "Customer is on the old firmware.",
      command: "#internal",
    });
  });

  it("keeps the reply to an internal notification internal unless #public is given", () => {
    expect(parseAgentReply("Looks like a driver issue.", "internal").visibility).toBe("INTERNAL");
    expect(parseAgentReply("#public Please update the driver.", "internal")).toMatchObject({ visibility: "PUBLIC", body: "Please update the driver." });
  });

  it("treats a hashtag later in the text as text", () => {
    expect(parseAgentReply("Hi,\n#internal is not a command here", "public").visibility).toBe("PUBLIC");
  });
});

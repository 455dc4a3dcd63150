import { describe, expect, it } from "vitest";
import { routeSender, type RouteAgent, type SenderRouteInput } from "../../src/pipeline/ingest/sender-route.ts";
import type { TokenCheck } from "../../src/threading/reply-token.ts";

const alice: RouteAgent = { id: 1, email: "alice@helpdesk.test", aliases: ["a.novak@helpdesk.test"], active: true, name: "Alice", locale: "cs" };
const bob: RouteAgent = { id: 2, email: "bob@helpdesk.test", aliases: [], active: true, name: "Bob", locale: "pl" };
const gone: RouteAgent = { id: 3, email: "gone@helpdesk.test", aliases: [], active: false, name: "Gone", locale: "en" };

const valid = (agentId: number, visibility: "public" | "internal" = "public"): TokenCheck => ({ kind: "valid", token: { caseId: 42, agentId, visibility } });
const forward = (agentId: number): TokenCheck => ({ kind: "forward", agentId });
const forged: TokenCheck = { kind: "forged", raw: "c42a1x" };
const absent: TokenCheck = { kind: "absent" };

const FROM = {
  alice: alice.email,
  aliceAlias: "a.novak@helpdesk.test",
  bob: bob.email,
  gone: gone.email,
  stranger: "pat@acme.test",
  own: "support@helpdesk.test",
  none: null,
} as const;

function route(token: TokenCheck, from: keyof typeof FROM, automatic = false, text: Partial<SenderRouteInput> = {}) {
  return routeSender({
    sender: FROM[from],
    senderName: "Someone",
    ownAddresses: ["support@helpdesk.test"],
    automaticReason: automatic ? "auto-reply" : null,
    token,
    agents: [alice, bob, gone],
    startsWithForward: false,
    forwardAddressOf: (id) => `support+f${id}x@helpdesk.test`,
    ...text,
  });
}

type Expect =
  | ["quarantine", RegExp, number | null]
  | ["refuse", string, RegExp, number | null]
  | ["agent-reply", number]
  | ["forwarded", number]
  | ["customer"];

// Every token × From × automatic combination that decides something different.
const table: Array<[string, TokenCheck, keyof typeof FROM, boolean, Expect]> = [
  ["no From at all", absent, "none", false, ["quarantine", /no sender address/, null]],
  ["no From, valid token", valid(1), "none", false, ["quarantine", /no sender address/, null]],
  ["our own address (loop)", absent, "own", false, ["quarantine", /mail loop refused/, null]],
  ["our own address with a token", valid(1), "own", false, ["quarantine", /mail loop refused/, null]],
  ["forged token, stranger", forged, "stranger", false, ["quarantine", /bad signature/, null]],
  ["forged token, the agent", forged, "alice", false, ["quarantine", /bad signature/, null]],
  ["forged token, automatic", forged, "stranger", true, ["quarantine", /bad signature/, null]],
  ["valid token from its agent", valid(1), "alice", false, ["agent-reply", 1]],
  ["valid token from its agent's alias", valid(1), "aliceAlias", false, ["agent-reply", 1]],
  ["valid token from its agent, automatic", valid(1), "alice", true, ["quarantine", /automatic mail \(auto-reply\) on an agent reply address/, null]],
  ["valid token from another agent", valid(1), "bob", false, ["refuse", bob.email, /issued to agent #1 but From is bob@/, 42]],
  ["valid token from a stranger", valid(1), "stranger", false, ["refuse", FROM.stranger, /works only from the address of the agent/, 42]],
  ["valid token from a stranger, automatic", valid(1), "stranger", true, ["quarantine", /issued to agent #1 but From is pat@/, 42]],
  ["valid token of a deactivated agent, from that agent", valid(3), "gone", false, ["refuse", gone.email, /agent gone@helpdesk.test is deactivated: the reply addresses issued to them no longer work/, 42]],
  ["valid token of an unknown agent", valid(99), "stranger", false, ["refuse", FROM.stranger, /issued to agent #99/, 42]],
  ["forward token from its agent", forward(1), "alice", false, ["forwarded", 1]],
  ["forward token from its agent, automatic", forward(1), "alice", true, ["quarantine", /automatic mail \(auto-reply\) on a forwarding address/, null]],
  ["forward token from another agent", forward(1), "bob", false, ["refuse", bob.email, /forwarding address of agent #1 used from bob@/, null]],
  ["forward token from a stranger", forward(1), "stranger", false, ["refuse", FROM.stranger, /works only from that agent's own address/, null]],
  ["forward token from a stranger, automatic", forward(1), "stranger", true, ["quarantine", /forwarding address of agent #1/, null]],
  ["forward token of a deactivated agent", forward(3), "gone", false, ["refuse", gone.email, /agent gone@helpdesk.test is deactivated: the forwarding addresses issued to them no longer work/, null]],
  ["agent address without a token", absent, "alice", false, ["refuse", alice.email, /without a reply token: reply to a notification/, null]],
  ["agent alias without a token", absent, "aliceAlias", false, ["refuse", alice.email, /without a reply token/, null]],
  ["agent address without a token, automatic", absent, "alice", true, ["quarantine", /without a reply token/, null]],
  ["deactivated agent's address without a token: a customer now", absent, "gone", false, ["customer"]],
  ["stranger without a token", absent, "stranger", false, ["customer"]],
  ["stranger without a token, automatic (decided later by threading)", absent, "stranger", true, ["customer"]],
];

describe("routeSender", () => {
  it.each(table)("%s", (_name, token, from, automatic, expected) => {
    const r = route(token, from, automatic);
    expect(r.kind).toBe(expected[0]);
    switch (expected[0]) {
      case "quarantine":
        if (r.kind !== "quarantine") throw new Error("kind");
        expect(r.reason).toMatch(expected[1]);
        expect(r.rejectedOnCase).toBe(expected[2]);
        break;
      case "refuse":
        if (r.kind !== "refuse") throw new Error("kind");
        expect(r.to).toBe(expected[1]);
        expect(r.reasons.join("; ")).toMatch(expected[2]);
        expect(r.rejectedOnCase).toBe(expected[3]);
        break;
      case "agent-reply":
        if (r.kind !== "agent-reply") throw new Error("kind");
        expect(r.agent.id).toBe(expected[1]);
        expect(r.caseId).toBe(42);
        break;
      case "forwarded":
        if (r.kind !== "forwarded") throw new Error("kind");
        expect(r.agent.id).toBe(expected[1]);
        break;
      case "customer":
        if (r.kind !== "customer") throw new Error("kind");
        expect(r.sender).toBe(FROM[from]);
        break;
    }
  });

  it("a refusal of a genuine token names no case to an unverified sender, but logs the attempt on the case", () => {
    const r = route(valid(1), "stranger");
    if (r.kind !== "refuse") throw new Error(r.kind);
    expect(r.reasons.join(" ")).not.toContain("42");
    expect(r.rejectedOnCase).toBe(42);
  });

  it("keeps the token's visibility for an internal note", () => {
    const r = route(valid(1, "internal"), "alice");
    expect(r).toMatchObject({ kind: "agent-reply", visibility: "internal" });
  });

  it("tells an agent who writes #forward where their forwarding address is", () => {
    const r = route(absent, "alice", false, { startsWithForward: true });
    if (r.kind !== "refuse") throw new Error(r.kind);
    expect(r.reasons[0]).toBe("to file a customer's mail, forward it to your personal forwarding address support+f1x@helpdesk.test");
    expect(r.locale).toBe("cs");
  });
});

import { describe, expect, it } from "vitest";
import { planAgentReply, type PlanAgent } from "../../src/pipeline/ingest/agent-reply-plan.ts";
import { parseAgentCommands } from "../../src/pipeline/ingest/agent-commands/parse.ts";

const alice: PlanAgent = { id: 1, key: "alice", email: "alice@helpdesk.test", aliases: ["a.novak@helpdesk.test"] };
const bob: PlanAgent = { id: 2, key: "bob", email: "bob@helpdesk.test", aliases: [] };
const FWD = "support+f1-abc@helpdesk.test";

/** The plan a reply of `text` from alice makes, with alice and bob active. */
const plan = (text: string) => planAgentReply(parseAgentCommands(text, "PUBLIC").commands, alice, [alice, bob], FWD);

describe("planAgentReply: commands → case patch", () => {
  it.each([
    ["#status waiting\nPlease send the log.", { status: "WAITING_ON_CUSTOMER" }],
    ["#priority high", { priority: "HIGH" }],
    ["#severity blocker", { severity: "BLOCKER" }],
    ["#type incident", { type: "INCIDENT" }],
    ["#reason printer driver", { reason: "printer driver" }],
    ["#portal off", { internal: true }],
    ["#portal on", { internal: false }],
    ["#assign @bob", { ownerId: 2 }],
    ["#assign bob@helpdesk.test", { ownerId: 2 }],
    ["#assign me", { ownerId: 1 }],
    ["#assign a.novak@helpdesk.test", { ownerId: 1 }],
    ["#close Replaced the toner.", { status: "CLOSED", solution: "Replaced the toner." }],
    ["#priority urgent\n#severity critical\n#assign @bob", { priority: "URGENT", severity: "CRITICAL", ownerId: 2 }],
    ["Just an answer.", {}],
  ] as const)("%j", (text, patch) => {
    const p = plan(text);
    expect(p.errors).toEqual([]);
    expect(p.patch).toEqual(patch);
  });

  it("addresses a private note to an active agent", () => {
    expect(plan("#private @bob\nBetween us.")).toMatchObject({ addresseeAgentId: 2, errors: [] });
  });

  it.each([
    ["#assign @zed", "#assign @zed: no active agent by that name"],
    ["#assign carol@helpdesk.test", "#assign carol@helpdesk.test: no active agent by that name"],
    ["#private @zed\nhello", "#private @zed: no active agent by that name"],
  ])("refuses %j: %s", (text, error) => {
    expect(plan(text).errors).toEqual([error]);
  });

  it("cannot assign or address a deactivated agent (not in the active list)", () => {
    const p = planAgentReply(parseAgentCommands("#assign @bob", "PUBLIC").commands, alice, [alice], FWD);
    expect(p.errors).toEqual(["#assign @bob: no active agent by that name"]);
    expect(p.patch).toEqual({});
  });

  it("tells an agent who writes #forward on a reply where their forwarding address is", () => {
    expect(plan("#forward").errors).toEqual([`#forward does not work on a reply: forward the customer's mail to your forwarding address ${FWD}`]);
  });

  it("collects SLA levels and follow/unfollow for the service to apply", () => {
    expect(plan("#sla gold\n#follow")).toMatchObject({ slaLevels: ["gold"], follow: "follow", patch: {} });
    expect(plan("#unfollow")).toMatchObject({ follow: "unfollow" });
  });
});

/**
 * `#set <field> <value>` and `#product CODE` in agents' mail: parsed like the other commands, checked against
 * the configured fields and products by the same rules as the API, and a wrong value refuses the reply with
 * a sentence for the agent.
 */
import { describe, expect, it } from "vitest";
import { CaseFieldSchema } from "../../src/case/custom-fields.ts";
import { planAgentReply, type PlanAgent, type PlanCatalogue } from "../../src/pipeline/ingest/agent-reply-plan.ts";
import { describeCommands, parseAgentCommands } from "../../src/pipeline/ingest/agent-commands/parse.ts";

const alice: PlanAgent = { id: 1, key: "alice", email: "alice@helpdesk.test", aliases: [] };
const catalogue: PlanCatalogue = {
  fields: [
    CaseFieldSchema.parse({ key: "contract", type: "text", required: true }),
    CaseFieldSchema.parse({ key: "seats", type: "number" }),
    CaseFieldSchema.parse({ key: "os", type: "multipicklist", options: ["Linux", "Windows"] }),
  ],
  products: [
    { id: 7, code: "CAM-1", name: "Camera", active: true },
    { id: 8, code: "OLD", name: "Old", active: false },
  ],
};
const plan = (text: string) => {
  const parsed = parseAgentCommands(text, "PUBLIC");
  const p = planAgentReply(parsed.commands, alice, [alice], "fwd@x.test", catalogue);
  return { patch: p.patch, errors: [...parsed.errors, ...p.errors], body: parsed.body, done: describeCommands(parsed.commands) };
};

describe("#set and #product", () => {
  it.each([
    ["#set seats 12", { fields: { seats: 12 } }],
    ["#set contract C-1042 renewal 2027", { fields: { contract: "C-1042 renewal 2027" } }],
    ["#SET OS: windows, linux", { fields: { os: ["Linux", "Windows"] } }],
    ["#set seats", { fields: { seats: null } }],
    ["#product cam-1", { productId: 7 }],
    ["#set product CAM-1", { productId: 7 }],
    ["#product none", { productId: null }],
    ["#set seats 3\n#set os linux", { fields: { seats: 3, os: ["Linux"] } }],
  ])("%j → %o", (text, patch) => {
    expect(plan(text)).toMatchObject({ patch, errors: [] });
  });

  it.each([
    ["#set seats many", '#set seats: "many" is not a number'],
    ["#set colour red", '#set colour: no case field "colour" (fields: contract, seats, os)'],
    ["#set contract", "#set contract: is required and cannot be cleared"],
    ["#product OLD", "#product: OLD (Old) is no longer offered and cannot be newly set"],
    ["#product XYZ", '#product: no product "XYZ" (products: CAM-1)'],
    ["#product", "#product needs a product code, e.g. #product PRN-100 (or none)"],
    ["#set", "#set needs a field and its value, e.g. #set contract C-1042"],
    ["#set seats 1\n#set seats 2", "#set seats 1 and #set seats 2 contradict each other; none of them was applied"],
  ])("%j is refused: %s", (text, error) => {
    expect(plan(text).errors).toContain(error);
  });

  it("keeps the text after the command block as the post, and says what was done", () => {
    const p = plan("#product cam-1\n\nThe camera model is now on the case.");
    expect(p.body).toBe("The camera model is now on the case.");
    expect(p.done).toEqual(["set the product to CAM-1"]);
  });
});

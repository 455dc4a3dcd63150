/** `#solution` and `#kb` in an agent's reply (src/pipeline/ingest/agent-commands/parse.ts). */
import { describe, expect, it } from "vitest";
import { parseAgentCommands } from "../../src/pipeline/ingest/agent-commands/parse.ts";

describe("#solution and #kb", () => {
  it("#solution resolves with the rest of the line as solution and asks for a knowledge base draft", () => {
    const r = parseAgentCommands("#solution Restart the router and wait a minute.\nThanks for your patience!", "PUBLIC");
    expect(r.errors).toEqual([]);
    expect(r.commands).toEqual([{ kind: "close", status: "RESOLVED", solution: "Restart the router and wait a minute." }, { kind: "kb" }]);
    expect(r.body).toBe("Thanks for your patience!");
  });

  it("#close followed by #kb takes the solution from the next paragraph", () => {
    const r = parseAgentCommands("#close #kb\nUpdate the driver to 4.2.\n\nBye", "PUBLIC");
    expect(r.errors).toEqual([]);
    expect(r.commands).toEqual([{ kind: "close", status: "CLOSED", solution: "Update the driver to 4.2." }, { kind: "kb" }]);
  });

  it("#kb without closing the case is an error, as is #solution without a solution", () => {
    expect(parseAgentCommands("#kb\nSome text", "PUBLIC").errors).toEqual([expect.stringContaining("use it with #close or #resolve")]);
    expect(parseAgentCommands("#solution", "PUBLIC").errors).toEqual([expect.stringContaining("a solution is required to resolve")]);
  });

  it("#kb written twice is one draft", () => {
    expect(parseAgentCommands("#resolve #kb #kb Fixed by a reboot.", "PUBLIC").commands.filter((c) => c.kind === "kb")).toHaveLength(1);
  });
});

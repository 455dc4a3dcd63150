import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeCommands, parseAgentCommands, type AgentCommand } from "../../src/pipeline/ingest/agent-commands/parse.ts";
import { NAMES } from "../../src/pipeline/ingest/agent-commands/vocabulary.ts";
import { parseAgentReply } from "../oracles/agent-reply.ts";

const parse = (text: string, def: "PUBLIC" | "INTERNAL" = "PUBLIC") => parseAgentCommands(text, def);

describe("parseAgentCommands: visibility", () => {
  it("keeps the default visibility and the whole text when there is no command", () => {
    expect(parse("Looks like a driver issue.\n\nRegards", "INTERNAL")).toEqual({
      commands: [],
      errors: [],
      visibility: "INTERNAL",
      privateTo: null,
      body: "Looks like a driver issue.\n\nRegards",
    });
    expect(parse("", "PUBLIC")).toMatchObject({ visibility: "PUBLIC", body: "", commands: [], errors: [] });
    expect(parse("  \n \n", "INTERNAL")).toMatchObject({ visibility: "INTERNAL", body: "" });
  });

  it("applies #internal and #public, case-insensitively and with extra spaces", () => {
    expect(parse("\n  #INTERNAL   \nCustomer is on the old firmware.\n")).toMatchObject({
      visibility: "INTERNAL",
      body: "Customer is on the old firmware.",
      commands: [{ kind: "visibility", visibility: "INTERNAL" }],
      errors: [],
    });
    expect(parse("#Public Please update the driver.", "INTERNAL")).toMatchObject({ visibility: "PUBLIC", body: "Please update the driver." });
  });

  it("splits a line that mixes commands and prose", () => {
    expect(parse("#internal checked the logs\nnothing there")).toMatchObject({
      visibility: "INTERNAL",
      body: "checked the logs\nnothing there",
      errors: [],
    });
  });

  it("accepts a trailing colon or comma after a command", () => {
    expect(parse("#internal: checked the logs")).toMatchObject({ visibility: "INTERNAL", body: "checked the logs", errors: [] });
    expect(parse("#priority, high")).toMatchObject({ commands: [{ kind: "priority", priority: "HIGH" }], errors: [] });
  });

  it("makes #internal together with #public an error and keeps the safer internal", () => {
    const r = parse("#public #internal hello");
    expect(r.visibility).toBe("INTERNAL");
    expect(r.commands).toEqual([{ kind: "visibility", visibility: "INTERNAL" }]);
    expect(r.errors).toEqual(["#public and #internal contradict each other; the safer #internal applies"]);
    expect(r.body).toBe("hello");
  });

  it("makes a private post to one agent, by key or email", () => {
    expect(parse("#private @jane can you check the contract?")).toMatchObject({
      visibility: "PRIVATE",
      privateTo: "jane",
      commands: [{ kind: "private", to: { kind: "key", key: "jane" } }],
      body: "can you check the contract?",
      errors: [],
    });
    expect(parse("#private Jane.Doe@Example.COM, see below\nx")).toMatchObject({
      visibility: "PRIVATE",
      privateTo: "jane.doe@example.com",
      body: "see below\nx",
    });
    expect(parse("#private <@bob@example.com>\nhi").privateTo).toBe("bob@example.com");
  });

  it("requires the addressee of #private and falls back to internal, never public", () => {
    const r = parse("#private\nsecret stuff");
    expect(r.errors).toEqual(["#private needs the agent it is for, e.g. #private @jane"]);
    expect(r.visibility).toBe("INTERNAL");
    expect(r.privateTo).toBeNull();
    expect(r.commands).toEqual([]);
    expect(parse("#private #public x").visibility).toBe("INTERNAL");
    expect(parse("#private jane\nx").errors[0]).toBe('#private needs the agent it is for, e.g. #private @jane (got "jane")');
    expect(parse("#private me\nx")).toMatchObject({ visibility: "INTERNAL", errors: ['#private needs another agent (got "me")'] });
  });

  it("keeps a private post private when it contradicts #internal or #public, but not with two addressees", () => {
    expect(parse("#public #private @jane x")).toMatchObject({ visibility: "PRIVATE", privateTo: "jane" });
    expect(parse("#public #private @jane x").errors).toHaveLength(1);
    const two = parse("#private @jane #private @bob x");
    expect(two).toMatchObject({ visibility: "INTERNAL", privateTo: null, commands: [] });
    expect(two.errors[0]).toContain("contradict");
  });

  it("collapses a repeated command without complaint", () => {
    expect(parse("#internal #INTERNAL\n#internal x")).toMatchObject({ commands: [{ kind: "visibility", visibility: "INTERNAL" }], errors: [], body: "x" });
  });
});

describe("parseAgentCommands: where commands may appear", () => {
  it("takes commands from consecutive leading lines only", () => {
    const r = parse("\n\n#internal\n#priority urgent #follow\nThe fix is in issue #42.\n#public is text here");
    expect(r.commands).toEqual([
      { kind: "visibility", visibility: "INTERNAL" },
      { kind: "priority", priority: "URGENT" },
      { kind: "follow" },
    ]);
    expect(r.body).toBe("The fix is in issue #42.\n#public is text here");
    expect(r.errors).toEqual([]);
  });

  it("ends the command block at a blank line", () => {
    const r = parse("#internal\n\n#public later");
    expect(r).toMatchObject({ visibility: "INTERNAL", body: "#public later", errors: [] });
  });

  it("treats a hashtag later in the text, and a later line, as text", () => {
    expect(parse("Hi,\n#internal is not a command here")).toMatchObject({ visibility: "PUBLIC", commands: [], errors: [] });
    expect(parse("see #internal and #stauts").errors).toEqual([]);
    expect(parse("#internal checked #public and #foo").body).toBe("checked #public and #foo");
  });

  it("never counts a quoted line", () => {
    expect(parse("> #internal\nok")).toMatchObject({ visibility: "PUBLIC", commands: [], errors: [], body: "> #internal\nok" });
    expect(parse(">#close fixed")).toMatchObject({ commands: [], errors: [] });
    expect(parse("#internal\n> #public\nok")).toMatchObject({ visibility: "INTERNAL", body: "> #public\nok" });
  });

  it("does not mistake #42 for a command", () => {
    expect(parse("#42 is a duplicate")).toMatchObject({ commands: [], errors: [], body: "#42 is a duplicate" });
  });

  it("reports a space after # on a leading line instead of silently posting it", () => {
    const r = parse("# internal\nchecked the logs");
    expect(r.visibility).toBe("PUBLIC");
    expect(r.errors).toEqual(['"# internal" has a space after "#"; write #internal (it was left as text)']);
    expect(parse("#follow # internal x").errors).toHaveLength(1);
    expect(parse("# Heading\ntext").errors).toEqual([]);
  });

  it("handles CRLF line ends", () => {
    expect(parse("#internal\r\n#follow\r\nbody line\r\nsecond")).toMatchObject({
      visibility: "INTERNAL",
      commands: [{ kind: "visibility", visibility: "INTERNAL" }, { kind: "follow" }],
      body: "body line\nsecond",
    });
  });
});

describe("parseAgentCommands: unknown and malformed commands", () => {
  it("reports an unknown command with a suggestion and applies nothing for it", () => {
    const r = parse("#stauts resolved");
    expect(r.errors).toEqual(['unknown command "#stauts" (did you mean #status?)']);
    expect(r.commands).toEqual([]);
    expect(parse("#Intrenal hi").errors).toEqual(['unknown command "#Intrenal" (did you mean #internal?)']);
    expect(parse("#banana hi").errors).toEqual(['unknown command "#banana"']);
  });

  it("keeps the other commands of the line when one is unknown", () => {
    const r = parse("#internal #urgnet #follow\nx");
    expect(r.commands).toEqual([{ kind: "visibility", visibility: "INTERNAL" }, { kind: "follow" }]);
    expect(r.errors).toEqual(['unknown command "#urgnet"']);
  });

  it("explains the values an enumerated command needs", () => {
    expect(parse("#priority").errors).toEqual(["#priority needs one of low, normal, high, urgent"]);
    expect(parse("#priority #internal x").errors).toEqual(["#priority needs one of low, normal, high, urgent"]);
    expect(parse("#priority hgh\nbody")).toMatchObject({
      errors: ['#priority needs one of low, normal, high, urgent (got "hgh"; did you mean high?)'],
      commands: [],
      body: "body",
    });
    expect(parse("#severity huge").errors).toEqual(['#severity needs one of minor, major, critical, blocker (got "huge")']);
    expect(parse("#type bug").errors).toEqual(['#type needs one of question, incident, problem, feature (got "bug")']);
    expect(parse("#status").errors).toEqual(["#status needs one of new, assigned, in progress, waiting, resolved, closed"]);
    expect(parse("#status pending").errors[0]).toMatch(/^#status needs one of .* \(got "pending"\)$/);
  });

  it("drops contradicting settings other than visibility altogether", () => {
    const r = parse("#priority low #priority urgent #follow");
    expect(r.commands).toEqual([{ kind: "follow" }]);
    expect(r.errors).toEqual(["#priority low and #priority urgent contradict each other; none of them was applied"]);
    expect(parse("#follow #unfollow").commands).toEqual([]);
    expect(parse("#status waiting #close done").commands).toEqual([]);
  });
});

describe("parseAgentCommands: case settings", () => {
  it.each([
    ["new", "NEW"],
    ["assigned", "ASSIGNED"],
    ["in-progress", "IN_PROGRESS"],
    ["in progress", "IN_PROGRESS"],
    ["In_Progress", "IN_PROGRESS"],
    ["waiting", "WAITING_ON_CUSTOMER"],
    ["waiting-on-customer", "WAITING_ON_CUSTOMER"],
    ["waiting on customer", "WAITING_ON_CUSTOMER"],
  ] as const)("#status %s", (word, status) => {
    expect(parse(`#status ${word}\nbody`)).toMatchObject({ commands: [{ kind: "status", status }], errors: [], body: "body" });
  });

  it("leaves the prose after a multi-word status in the body", () => {
    expect(parse("#status in progress looking at it now")).toMatchObject({ commands: [{ kind: "status", status: "IN_PROGRESS" }], body: "looking at it now" });
    expect(parse("#status waiting for your logs")).toMatchObject({ commands: [{ kind: "status", status: "WAITING_ON_CUSTOMER" }], body: "for your logs" });
  });

  it.each([
    ["low", "LOW"],
    ["Normal", "NORMAL"],
    ["HIGH", "HIGH"],
    ["urgent", "URGENT"],
  ] as const)("#priority %s", (word, priority) => {
    expect(parse(`#priority ${word}`).commands).toEqual([{ kind: "priority", priority }]);
  });

  it.each([
    ["minor", "MINOR"],
    ["major", "MAJOR"],
    ["critical", "CRITICAL"],
    ["blocker", "BLOCKER"],
  ] as const)("#severity %s", (word, severity) => {
    expect(parse(`#severity ${word}`).commands).toEqual([{ kind: "severity", severity }]);
  });

  it.each([
    ["question", "QUESTION"],
    ["incident", "INCIDENT"],
    ["problem", "PROBLEM"],
    ["feature", "FEATURE_REQUEST"],
    ["feature-request", "FEATURE_REQUEST"],
    ["feature request", "FEATURE_REQUEST"],
  ] as const)("#type %s", (word, caseType) => {
    expect(parse(`#type ${word}`).commands).toEqual([{ kind: "type", caseType }]);
  });

  it("assigns to an agent or to the sender", () => {
    expect(parse("#assign me").commands).toEqual([{ kind: "assign", to: { kind: "self" } }]);
    expect(parse("#assign ME").commands).toEqual([{ kind: "assign", to: { kind: "self" } }]);
    expect(parse("#assign @me").commands).toEqual([{ kind: "assign", to: { kind: "self" } }]);
    expect(parse("#assign @jane.doe, please take over").commands).toEqual([{ kind: "assign", to: { kind: "key", key: "jane.doe" } }]);
    expect(parse("#assign bob@example.com").commands).toEqual([{ kind: "assign", to: { kind: "email", email: "bob@example.com" } }]);
    expect(parse("#assign").errors).toEqual(['#assign needs @agent, an agent\'s email address or "me"']);
    expect(parse("#assign jane").errors).toEqual(['#assign needs @agent, an agent\'s email address or "me" (got "jane")']);
  });

  it("flags follow, unfollow and forward", () => {
    expect(parse("#follow").commands).toEqual([{ kind: "follow" }]);
    expect(parse("#unfollow").commands).toEqual([{ kind: "unfollow" }]);
    expect(parse("#forward\n---------- Forwarded message ---------\nFrom: customer@example.com")).toMatchObject({
      commands: [{ kind: "forward" }],
      body: "---------- Forwarded message ---------\nFrom: customer@example.com",
    });
  });
});

describe("parseAgentCommands: closing", () => {
  it("takes the rest of the #close line as the solution", () => {
    expect(parse("#close Replaced the power supply.\n\nHi Jane, all done.")).toMatchObject({
      commands: [{ kind: "close", status: "CLOSED", solution: "Replaced the power supply." }],
      body: "Hi Jane, all done.",
      errors: [],
    });
    expect(parse("#close Fixed in 2.3\nThanks for your patience.").body).toBe("Thanks for your patience.");
  });

  it("takes the following paragraph as the solution when the line has none", () => {
    expect(parse("#internal #close\nReplaced the PSU\nand the fan\n\nNote for the team.")).toMatchObject({
      commands: [
        { kind: "visibility", visibility: "INTERNAL" },
        { kind: "close", status: "CLOSED", solution: "Replaced the PSU\nand the fan" },
      ],
      body: "Note for the team.",
      errors: [],
    });
    expect(parse("#close\n#internal\nFixed.")).toMatchObject({ commands: [{ kind: "close", solution: "Fixed." }, { kind: "visibility" }], body: "" });
  });

  it("still reads commands on the lines after a closing line", () => {
    expect(parse("#close Fixed in 2.3\n#internal\nnote").commands).toEqual([
      { kind: "close", status: "CLOSED", solution: "Fixed in 2.3" },
      { kind: "visibility", visibility: "INTERNAL" },
    ]);
  });

  it("resolves with #resolve and with #status resolved|closed", () => {
    expect(parse("#resolve Cleared the cache").commands).toEqual([{ kind: "close", status: "RESOLVED", solution: "Cleared the cache" }]);
    expect(parse("#status resolved Cleared the cache").commands).toEqual([{ kind: "close", status: "RESOLVED", solution: "Cleared the cache" }]);
    expect(parse("#Status Closed: duplicate of #41").commands).toEqual([{ kind: "close", status: "CLOSED", solution: "duplicate of #41" }]);
  });

  it("requires a solution to close or resolve", () => {
    for (const text of ["#close", "#close\n\nDear Jane, done.", "#close   \n"]) {
      const r = parse(text);
      expect(r.commands).toEqual([]);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toContain("a solution is required to close");
    }
    expect(parse("#status resolved").errors[0]).toContain("a solution is required to resolve");
    expect(parse("#resolve").errors[0]).toContain("a solution is required to resolve");
  });
});

describe("describeCommands", () => {
  it("describes every kind of command in one line each", () => {
    const all: AgentCommand[] = [
      { kind: "visibility", visibility: "INTERNAL" },
      { kind: "visibility", visibility: "PUBLIC" },
      { kind: "private", to: { kind: "key", key: "jane" } },
      { kind: "status", status: "WAITING_ON_CUSTOMER" },
      { kind: "close", status: "CLOSED", solution: "Replaced\nthe PSU" },
      { kind: "close", status: "RESOLVED", solution: "Cleared cache" },
      { kind: "priority", priority: "URGENT" },
      { kind: "severity", severity: "BLOCKER" },
      { kind: "type", caseType: "FEATURE_REQUEST" },
      { kind: "assign", to: { kind: "self" } },
      { kind: "assign", to: { kind: "email", email: "bob@example.com" } },
      { kind: "follow" },
      { kind: "unfollow" },
      { kind: "forward" },
    ];
    expect(describeCommands(all)).toEqual([
      "posted as an internal note",
      "posted publicly",
      "posted privately to @jane",
      "set the status to waiting on customer",
      "closed the case with the solution: Replaced the PSU",
      "resolved the case with the solution: Cleared cache",
      "set the priority to urgent",
      "set the severity to blocker",
      "set the type to feature request",
      "assigned the case to the sender",
      "assigned the case to bob@example.com",
      "followed the case",
      "stopped following the case",
      "filed the forwarded message as the customer's",
    ]);
  });

  it("describes what the parser returned", () => {
    expect(describeCommands(parse("#internal #assign @jane #priority high\nx").commands)).toEqual([
      "posted as an internal note",
      "assigned the case to @jane",
      "set the priority to high",
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------------------

/** Complete command units (a command with its value) that need no solution. */
const unit = fc.constantFrom(
  "#internal",
  "#PUBLIC",
  "#private @jane",
  "#follow",
  "#unfollow",
  "#forward",
  "#assign me",
  "#assign @bob",
  "#priority high",
  "#Priority  low",
  "#severity critical",
  "#type feature request",
  "#status in progress",
  "#status waiting-on-customer",
  "#internal:",
);
const commandLine = fc.array(unit, { minLength: 1, maxLength: 4 }).map((us) => us.join(" "));
const space = fc.constantFrom("", " ", "  ", "\t");
/** Text without CR (the parser normalises CRLF, which would break a verbatim comparison). */
const noCr = (s: string) => !s.includes("\r");
const anyLine = fc.string({ maxLength: 40 }).filter((s) => noCr(s) && !s.includes("\n"));
const anyText = fc.string({ maxLength: 200, unit: "grapheme" }).filter(noCr);
/** Text none of whose lines starts with "#". */
const hashlessText = anyText.filter((s) => !/(^|\n)\s*#/.test(s));
/** A non-empty line that cannot start a command block. */
const proseLine = anyLine.filter((s) => s.trim() !== "" && !/^#[a-z]/i.test(s.trim()));

const unknownWord = fc
  .stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,11}$/)
  .filter((w) => !(NAMES as readonly string[]).includes(w.toLowerCase()));

describe("parseAgentCommands: properties", () => {
  it("never throws and always returns a well-formed result", () => {
    const mailish = fc
      .array(fc.oneof(anyLine, commandLine, fc.constantFrom("", "> #internal", "#close", "#status resolved", "# internal", "#", "#private")), { maxLength: 8 })
      .map((ls) => ls.join("\n"));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: "binary", maxLength: 100 }), mailish), fc.constantFrom("PUBLIC" as const, "INTERNAL" as const), (text, def) => {
        const r = parseAgentCommands(text, def);
        expect(["PUBLIC", "INTERNAL", "PRIVATE"]).toContain(r.visibility);
        expect(r.privateTo === null).toBe(r.visibility !== "PRIVATE");
        expect(r.body).toBe(r.body.trim());
        expect(describeCommands(r.commands)).toHaveLength(r.commands.length);
        // Nothing in the reply can make an internal default public without an explicit #public.
        if (def === "INTERNAL" && r.visibility === "PUBLIC") expect(r.commands).toContainEqual({ kind: "visibility", visibility: "PUBLIC" });
      }),
      { numRuns: 500 },
    );
  });

  it("preserves the text from the first non-command line on verbatim", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("", "  ", " \t"), { maxLength: 2 }),
        fc.array(fc.tuple(space, commandLine, space).map(([a, l, b]) => a + l + b), { maxLength: 3 }),
        proseLine,
        fc.array(anyText, { maxLength: 4 }),
        (blank, commands, first, rest) => {
          const text = [...blank, ...commands, first, ...rest].join("\n");
          const r = parseAgentCommands(text, "PUBLIC");
          expect(r.body).toBe([first, ...rest].join("\n").trim());
        },
      ),
    );
  });

  it("preserves the prose after commands on the same line verbatim", () => {
    fc.assert(
      fc.property(commandLine, proseLine, fc.array(anyText, { maxLength: 3 }), (commands, prose, rest) => {
        const r = parseAgentCommands([`${commands} ${prose}`, ...rest].join("\n"), "PUBLIC");
        expect(r.body).toBe([prose.trim(), ...rest].join("\n").trim());
      }),
    );
  });

  it("always reports an unknown #word on the first line and never applies it", () => {
    fc.assert(
      fc.property(
        fc.array(unit, { maxLength: 3 }),
        unknownWord,
        fc.constantFrom("", ":", ","),
        fc.array(unit, { maxLength: 3 }),
        fc.oneof(fc.constant(""), proseLine.map((p) => ` ${p}`)),
        fc.array(hashlessText, { maxLength: 3 }),
        fc.constantFrom("PUBLIC" as const, "INTERNAL" as const),
        (before, word, punct, after, prose, rest, def) => {
          const withIt = [[...before, `#${word}${punct}`, ...after].join(" ") + prose, ...rest].join("\n");
          const without = [[...before, ...after].join(" ") + prose, ...rest].join("\n");
          const r = parseAgentCommands(withIt, def);
          expect(r.errors.some((e) => e.startsWith(`unknown command "#${word}"`))).toBe(true);
          const base = parseAgentCommands(without, def);
          expect(r.commands).toEqual(base.commands);
          expect(r.visibility).toBe(base.visibility);
          expect(r.privateTo).toBe(base.privateTo);
        },
      ),
    );
  });

  it("agrees with parseAgentReply on replies it could already parse", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("", "#internal ", "#public ", "#INTERNAL\n", "#Public\n"),
        fc.oneof(proseLine.filter((s) => !s.trim().startsWith("#")), fc.constant("")),
        fc.array(hashlessText, { maxLength: 4 }),
        fc.constantFrom("public" as const, "internal" as const),
        (command, first, rest, token) => {
          const text = [command + first, ...rest].join("\n");
          fc.pre(command !== "" || !/^\s*#/.test(text.trim()));
          const old = parseAgentReply(text, token);
          const r = parseAgentCommands(text, token === "internal" ? "INTERNAL" : "PUBLIC");
          expect(r.visibility).toBe(old.visibility);
          expect(r.body).toBe(old.body);
          expect(r.errors).toEqual([]);
        },
      ),
    );
  });
});

describe("#sla and #reason", () => {
  it("reads an SLA level and a reason (the rest of its line), and reports them missing", async () => {
    const { parseAgentCommands } = await import("../../src/pipeline/ingest/agent-commands/parse.ts");
    const r = parseAgentCommands("#sla Gold #reason printer hardware, floor 3\nThanks.", "PUBLIC");
    expect(r.errors).toEqual([]);
    expect(r.commands).toEqual([
      { kind: "level", contract: "gold" },
      { kind: "reason", reason: "printer hardware, floor 3" },
    ]);
    expect(r.body).toBe("Thanks.");
    expect(parseAgentCommands("#sla", "PUBLIC").errors).toEqual(["#sla needs the key of an SLA contract, e.g. #sla gold"]);
    expect(parseAgentCommands("#reason", "PUBLIC").errors).toEqual(["#reason needs the reason on the same line, e.g. #reason billing question"]);
    expect(parseAgentCommands("#sla gold #sla standard", "PUBLIC").errors[0]).toContain("contradict");
  });
});

describe("#portal", () => {
  it("hides or shows the case on the portal, and needs on or off", async () => {
    const { parseAgentCommands } = await import("../../src/pipeline/ingest/agent-commands/parse.ts");
    expect(parseAgentCommands("#portal off", "PUBLIC").commands).toEqual([{ kind: "portal", visible: false }]);
    expect(parseAgentCommands("#portal on\nVisible again.", "PUBLIC")).toMatchObject({ commands: [{ kind: "portal", visible: true }], body: "Visible again." });
    expect(parseAgentCommands("#portal maybe", "PUBLIC").errors).toEqual(['#portal needs on or off (got "maybe")']);
  });
});

describe("#approve and #reject", () => {
  it("reads a verdict with the rest of its line as the note; a rejection needs its reason", async () => {
    const { parseAgentCommands } = await import("../../src/pipeline/ingest/agent-commands/parse.ts");
    expect(parseAgentCommands("#approve", "INTERNAL").commands).toEqual([{ kind: "verdict", verdict: "approve", why: null }]);
    expect(parseAgentCommands("#Approve: fine by me\nThanks.", "INTERNAL")).toMatchObject({ commands: [{ kind: "verdict", verdict: "approve", why: "fine by me" }], body: "Thanks.", errors: [] });
    expect(parseAgentCommands("#reject the contract does not cover it", "INTERNAL").commands).toEqual([{ kind: "verdict", verdict: "reject", why: "the contract does not cover it" }]);
    expect(parseAgentCommands("#reject", "INTERNAL").errors).toEqual(["#reject needs the reason on the same line, e.g. #reject the customer's contract does not cover this"]);
    expect(parseAgentCommands("#approve\n#reject no", "INTERNAL").errors[0]).toContain("contradict");
    expect(parseAgentCommands("#aprove", "INTERNAL").errors[0]).toContain("did you mean #approve?");
  });
});

/**
 * The review of a case's article by mail, its pure parts: what a reviewer's answer asks for, who may use a
 * review address, and that the address names the article (never a case, so `#reject` there cannot reach an
 * approval of the case).
 */
import { describe, expect, it } from "vitest";
import { HelpdeskConfigError, parseHelpdeskConfig } from "../../src/config/helpdesk-config.ts";
import { parseReviewCommand, type ReviewCommand } from "../../src/kb/review-command.ts";
import { routeSender, type RouteAgent } from "../../src/pipeline/ingest/sender-route.ts";
import { findReplyToken, replyAddress, signReplyToken, signReviewToken, verifyReplyToken, type TokenCheck } from "../../src/threading/reply-token.ts";

const table: Array<[string, string, ReviewCommand]> = [
  ["bare #publish: the default portals", "#publish", { kind: "publish", portals: null }],
  ["#publish with portals", "#publish customers, partners", { kind: "publish", portals: ["customers", "partners"] }],
  ["#publish upper case, portal repeated", "#PUBLISH Customers customers", { kind: "publish", portals: ["customers"] }],
  ["#approve means publish on a review mail", "Looks good.\n#approve", { kind: "publish", portals: null }],
  ["#reject with its reason", "#reject too vague: name the firmware version", { kind: "reject", why: "too vague: name the firmware version" }],
  ["#reject without a reason", "#reject", { kind: "error", reasons: [expect.stringMatching(/needs the reason/) as unknown as string] }],
  ["no decision", "thanks, will look tomorrow", { kind: "error", reasons: [expect.stringMatching(/answer a review mail with #publish/) as unknown as string] }],
  ["two decisions", "#publish\n#reject no", { kind: "error", reasons: ["one decision per answer: found #publish, #reject"] }],
  ["a portal that is no key", "#publish cust/omers", { kind: "error", reasons: ['#publish: "cust/omers" is not a portal key'] }],
  ["#publishing is not #publish", "#publishing soon", { kind: "error", reasons: [expect.stringMatching(/answer a review mail/) as unknown as string] }],
];

describe("parseReviewCommand", () => {
  it.each(table)("%s", (_n, body, expected) => expect(parseReviewCommand(body)).toEqual(expected));
});

describe("review reply addresses", () => {
  const secret = "s3cret-for-tests-only-0123456789";
  it("round-trips the article and agent, and a changed digit is forged", () => {
    const token = signReviewToken(secret, 17, 3);
    expect(token).toMatch(/^r17a3-[0-9a-f]{16}$/);
    expect(verifyReplyToken(secret, token)).toEqual({ kind: "review", articleId: 17, agentId: 3 });
    expect(verifyReplyToken(secret, token.replace("r17", "r18")).kind).toBe("forged");
    expect(verifyReplyToken("another-secret-0123456789abcdef", token).kind).toBe("forged");
  });

  it("is found among the recipients like a case reply address, and is not one", () => {
    const to = replyAddress("support@helpdesk.test", signReviewToken(secret, 17, 3));
    expect(findReplyToken(secret, "support@helpdesk.test", ["x@y.test", to])).toEqual({ kind: "review", articleId: 17, agentId: 3 });
    // A case reply token with the same numbers is a different thing (case 17), signed differently.
    const caseToken = signReplyToken(secret, { caseId: 17, agentId: 3, visibility: "internal" });
    expect(verifyReplyToken(secret, caseToken).kind).toBe("valid");
    expect(caseToken.split("-")[1]).not.toBe(signReviewToken(secret, 17, 3).split("-")[1]);
  });
});

describe("routeSender with a review address", () => {
  const alice: RouteAgent = { id: 1, email: "alice@helpdesk.test", aliases: [], active: true, name: "Alice", locale: "cs" };
  const bob: RouteAgent = { id: 2, email: "bob@helpdesk.test", aliases: [], active: true, name: "Bob", locale: "pl" };
  const review: TokenCheck = { kind: "review", articleId: 17, agentId: 1 };
  const route = (sender: string, automatic = false) =>
    routeSender({ sender, senderName: "", ownAddresses: ["support@helpdesk.test"], automaticReason: automatic ? "auto-reply" : null, token: review, agents: [alice, bob], startsWithForward: false, forwardAddressOf: () => "" });

  it("from its reviewer: the article's review", () => expect(route(alice.email)).toMatchObject({ kind: "kb-review", articleId: 17, agent: { id: 1 } }));
  it("from another agent: refused, nothing published", () => expect(route(bob.email)).toMatchObject({ kind: "refuse", to: bob.email, reasons: [expect.stringMatching(/review address of agent #1 used from bob@/)] }));
  it("an auto-reply of the reviewer: quarantined, never a decision", () => expect(route(alice.email, true)).toMatchObject({ kind: "quarantine", reason: expect.stringMatching(/on a review address/) }));
});

describe("kb.review in the helpdesk file", () => {
  const doc = (review: unknown) => ({
    settings: { defaultArea: "helpdesk" },
    areas: [{ key: "helpdesk", name: "Helpdesk" }],
    mailboxes: [{ key: "support", address: "support@helpdesk.test", name: "S", imap: { host: "h", port: 143, user: "u", password: "p" } }],
    agents: [{ key: "alice", name: "Alice", email: "alice@helpdesk.test" }],
    teams: [{ key: "desk", name: "Desk", members: ["alice"] }],
    portals: [{ key: "main", path: "/portal", name: "Main" }, { key: "partners", path: "/partners", name: "Partners" }],
    kb: { portals: [{ portal: "main" }], review },
  });
  const issuesOf = (review: unknown): string[] => {
    try {
      parseHelpdeskConfig(doc(review));
      return [];
    } catch (err) {
      if (err instanceof HelpdeskConfigError) return err.issues;
      throw err;
    }
  };

  it("takes agents and teams as reviewers, and defaults to none", () => {
    expect(issuesOf({ reviewers: ["alice", "desk"], defaultPortals: ["main"] })).toEqual([]);
    expect(parseHelpdeskConfig({ ...doc(undefined), kb: { portals: [] } }).kb.review).toEqual({ reviewers: [], defaultPortals: [] });
  });

  it("names an unknown reviewer and a default portal without a knowledge base", () => {
    expect(issuesOf({ reviewers: ["alcie"], defaultPortals: ["partners"] })).toEqual([
      'kb.review.reviewers.0: unknown agent or team "alcie"',
      'kb.review.defaultPortals.0: portal "partners" is not in kb.portals',
    ]);
  });
});

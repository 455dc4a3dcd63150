import { describe, expect, it } from "vitest";
import { resolveThread } from "../../src/threading/resolve-thread.ts";
import { findCaseTag, stripReplyPrefixes, taggedSubject } from "../../src/threading/subject.ts";
import { caseNo, CaseNumberOutOfRange, parseCaseNumber } from "../../src/case/case-number.ts";
import { findReplyToken, replyAddress, signReplyToken, verifyReplyToken } from "../../src/threading/reply-token.ts";

describe("resolveThread", () => {
  const none = { tokenCaseId: null, inReplyToCases: [], referenceCases: [], subjectTag: null };

  it("opens a new case when nothing matches", () => {
    expect(resolveThread(none)).toEqual({ kind: "new", note: "no-match" });
  });

  it("prefers the signed reply token over everything else", () => {
    expect(resolveThread({ ...none, tokenCaseId: 7, inReplyToCases: [3], subjectTag: { caseId: 4, senderTakesPart: true } })).toEqual({
      kind: "existing",
      caseId: 7,
      rule: "reply-token",
    });
  });

  it("threads on In-Reply-To before References", () => {
    expect(resolveThread({ ...none, inReplyToCases: [null, 5], referenceCases: [9] })).toMatchObject({ caseId: 5, rule: "in-reply-to" });
  });

  it("uses the newest known reference (References only, as Outlook sometimes sends)", () => {
    expect(resolveThread({ ...none, referenceCases: [1, null, 2, null] })).toMatchObject({ caseId: 2, rule: "references" });
  });

  it("accepts the subject tag from a participant", () => {
    expect(resolveThread({ ...none, subjectTag: { caseId: 8, senderTakesPart: true } })).toMatchObject({ caseId: 8, rule: "subject-tag" });
  });

  it("does not let a stranger onto a case by typing its tag", () => {
    expect(resolveThread({ ...none, subjectTag: { caseId: 8, senderTakesPart: false } })).toEqual({ kind: "new", note: "subject-tag-from-stranger" });
  });
});

describe("subjects", () => {
  it.each([
    ["Re: Printer", "Printer"],
    ["RE: AW: Fwd: Printer", "Printer"],
    ["Odp: Drukarka", "Drukarka"],
    ["PD: Drukarka", "Drukarka"],
    ["SV: VS: Skrivare", "Skrivare"],
    ["回复：打印机", "打印机"],
    ["转发: 打印机", "打印机"],
    ["Re[2]: Printer", "Printer"],
    ["Printer: Re: broken", "Printer: Re: broken"],
  ])("strips %s", (input, out) => expect(stripReplyPrefixes(input)).toBe(out));

  it("finds the case tag anywhere in the subject", () => {
    expect(findCaseTag("MC", "Re: [MC-1042] Printer")).toBe(1042);
    expect(findCaseTag("MC", "Printer [mc-7]")).toBe(7);
    expect(findCaseTag("MC", "Printer [XY-7]")).toBeNull();
  });

  // 64-bit case numbers (issue 13): 16 digits up to 2^53 - 1 are read exactly, anything above is no tag at all
  // (Number("9007199254740993") is 9007199254740992: rounding would file the mail on a neighbouring case).
  it.each([
    ["[MC-9007199254740000] Printer", 9007199254740000],
    ["Re: [MC-9007199254740991] x", 9007199254740991],
    ["[MC-1234567890123456] x", 1234567890123456],
    ["[MC-0000000000000042] x", 42],
    ["[MC-9007199254740992] x", null],
    ["[MC-9007199254740993] x", null],
    ["[MC-9999999999999999] x", null],
    ["[MC-12345678901234567] x", null],
    ["[MC-0] x", null],
    ["[MC-99999999999999999999] Re: [MC-77] x", 77],
  ])("reads the tag in %s as %s", (subject, n) => expect(findCaseTag("MC", subject)).toBe(n));

  it.each([
    ["1042", 1042],
    ["9007199254740991", 9007199254740991],
    ["9007199254740992", null],
    ["12345678901234567", null],
    ["0", null],
    ["-5", null],
    ["1e3", null],
    ["", null],
  ])("parses case number %j exactly or not at all", (digits, n) => expect(parseCaseNumber(digits)).toBe(n));

  it("refuses to read a stored number above 2^53 - 1 instead of rounding it", () => {
    expect(caseNo(9007199254740991n)).toBe(9007199254740991);
    expect(() => caseNo(9007199254740993n)).toThrow(CaseNumberOutOfRange);
  });

  it("puts the tag in exactly once", () => {
    expect(taggedSubject("MC", 5, "Re: [MC-5] Printer")).toBe("[MC-5] Printer");
    expect(taggedSubject("MC", 5, "")).toBe("[MC-5] (no subject)");
  });
});

describe("reply tokens", () => {
  const secret = "0123456789abcdef-test";
  const token = signReplyToken(secret, { caseId: 12, agentId: 3, visibility: "internal" });

  it("round-trips case, agent and visibility", () => {
    expect(verifyReplyToken(secret, token)).toEqual({ kind: "valid", token: { caseId: 12, agentId: 3, visibility: "internal" } });
  });

  it("rejects a token whose case was changed", () => {
    expect(verifyReplyToken(secret, token.replace("c12", "c13")).kind).toBe("forged");
  });

  it("rejects a token signed with another secret", () => {
    expect(verifyReplyToken("another-secret-0123456", token).kind).toBe("forged");
  });

  it("finds the token among recipients, ignoring other mailboxes", () => {
    const addr = replyAddress("support@helpdesk.test", token);
    expect(addr).toBe(`support+${token}@helpdesk.test`);
    expect(findReplyToken(secret, "support@helpdesk.test", ["x@y.test", addr.toUpperCase()]).kind).toBe("valid");
    expect(findReplyToken(secret, "sales@helpdesk.test", [addr]).kind).toBe("absent");
  });
});

/**
 * Signed links of mails (src/links/signed-links.ts): a token verifies only for the ids and expiry it was
 * signed for, under the purpose it was signed for, with the current or a previous secret.
 */
import { describe, expect, it } from "vitest";
import { secretRing } from "../../src/config/secrets.ts";
import { signAttachment, signSatisfaction, verifyAttachment, verifySatisfaction } from "../../src/links/signed-links.ts";

const ring = secretRing("current-secret", ["old-secret"]);
const now = new Date("2025-03-01T10:00:00Z");
const later = Math.floor(now.getTime() / 1000) + 3600;

describe("satisfaction tokens", () => {
  const token = signSatisfaction(ring, { caseId: 42, contactId: 7 });
  const [, , sig] = token.split(".");
  it.each([
    ["its own token", token, { caseId: 42, contactId: 7 }],
    ["signed with the previous secret (rotation)", signSatisfaction(secretRing("old-secret"), { caseId: 42, contactId: 7 }), { caseId: 42, contactId: 7 }],
    ["another case with this signature", `43.7.${sig}`, null],
    ["another contact with this signature", `42.8.${sig}`, null],
    ["a signature cut short", `42.7.${sig!.slice(0, -2)}`, null],
    ["a signature with a changed character", `42.7.${sig!.slice(0, -1)}${sig!.endsWith("x") ? "y" : "x"}`, null],
    ["signed with an unknown secret", signSatisfaction(secretRing("someone-else"), { caseId: 42, contactId: 7 }), null],
    ["an attachment token of the same numbers (other purpose key)", signAttachment(ring, { attachmentId: 42, expires: 7 }), null],
    ["garbage", "../../etc/passwd", null],
    ["a case id of 0", `0.7.${sig}`, null],
  ])("%s", (_what, t, expected) => {
    expect(verifySatisfaction(ring, t)).toEqual(expected);
  });
});

describe("attachment tokens", () => {
  const token = signAttachment(ring, { attachmentId: 5, expires: later });
  const [, , sig] = token.split(".");
  it.each([
    ["its own token, before expiry", token, now, { attachmentId: 5, expires: later }],
    ["its own token, after expiry", token, new Date((later + 1) * 1000), null],
    ["the expiry moved later with the same signature", `5.${later + 86_400}.${sig}`, now, null],
    ["another file with the same signature", `6.${later}.${sig}`, now, null],
    ["a satisfaction token of the same numbers (other purpose key)", signSatisfaction(ring, { caseId: 5, contactId: later }), now, null],
  ])("%s", (_what, t, at, expected) => {
    expect(verifyAttachment(ring, t, at)).toEqual(expected);
  });
});

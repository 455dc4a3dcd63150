import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signatureHeader, verifySignature } from "../../src/pipeline/webhook/webhook-signature.ts";

describe("webhook signature", () => {
  const secret = "whsec-0123456789abcdef";
  const at = new Date("2026-12-02T10:00:00Z");
  const body = JSON.stringify({ event: "case.created", case: { number: 7 } });
  const header = signatureHeader(secret, body, at);

  it("is t=<unix seconds>,v1=<hex HMAC-SHA256 over t.body>", () => {
    const t = at.getTime() / 1000;
    expect(header).toBe(`t=${t},v1=${createHmac("sha256", secret).update(`${t}.${body}`).digest("hex")}`);
  });

  it.each([
    ["the signed request", secret, body, header, at, true],
    ["a changed body", secret, body.replace("7", "8"), header, at, false],
    ["another secret", "another-secret-000000", body, header, at, false],
    ["a replay after 6 minutes", secret, body, header, new Date(at.getTime() + 6 * 60_000), false],
    ["a fresh t on an old MAC", secret, body, header.replace(/t=\d+/, `t=${at.getTime() / 1000 + 360}`), new Date(at.getTime() + 6 * 60_000), false],
    ["a malformed header", secret, body, "v1=abc", at, false],
  ] as const)("%s", (_what, s, b, h, now, ok) => {
    expect(verifySignature(s, b, h, now)).toBe(ok);
  });
});

import { describe, expect, it } from "vitest";
import { assertProductionSecret, ConfigError, loadEnv } from "../../src/config/env.ts";
import { deriveKey, keysFor, LAB_SECRET, secretRing } from "../../src/config/secrets.ts";
import { signLegacyReplyToken, signReplyToken, verifyReplyToken } from "../../src/threading/reply-token.ts";

const OLD = "old-secret-0123456789abcdef";
const NEW = "new-secret-0123456789abcdef";
const token = { caseId: 7, agentId: 2, visibility: "public" as const };

describe("secrets", () => {
  it("refuses the public default secret outside lab mode, and allows it in lab mode", () => {
    expect(() => assertProductionSecret(loadEnv({}))).toThrow(ConfigError);
    expect(() => assertProductionSecret(loadEnv({ MAILCASE_LAB_MODE: "1" }))).not.toThrow();
    expect(() => assertProductionSecret(loadEnv({ MAILCASE_SECRET: NEW }))).not.toThrow();
    expect(loadEnv({}).MAILCASE_SECRET).toBe(LAB_SECRET);
  });

  it("derives a different key per purpose and per secret", () => {
    const keys = [deriveKey(NEW, "reply-token"), deriveKey(NEW, "session"), deriveKey(NEW, "sign-in"), deriveKey(NEW, "form"), deriveKey(OLD, "session")];
    expect(new Set(keys.map((k) => k.toString("hex"))).size).toBe(5);
    expect(keys.every((k) => k.length === 32)).toBe(true);
    expect(keysFor(secretRing(NEW, [OLD]), "session").map((k) => k.toString("hex"))).toEqual([deriveKey(NEW, "session").toString("hex"), deriveKey(OLD, "session").toString("hex")]);
  });

  it("reply tokens: signed with the derived key, the old secret verifies during rotation only", () => {
    const byOld = signReplyToken(OLD, token);
    expect(verifyReplyToken(secretRing(NEW, [OLD]), byOld).kind).toBe("valid");
    expect(verifyReplyToken(secretRing(NEW, []), byOld).kind).toBe("forged");
    // A token signed now is not the raw-secret signature (keys are separated).
    expect(signReplyToken(NEW, token)).not.toBe(signLegacyReplyToken(NEW, token));
  });

  it("reply tokens signed the pre-HKDF way keep working during the grace period, not after", () => {
    const legacy = signLegacyReplyToken(NEW, token);
    expect(verifyReplyToken(secretRing(NEW, [], true), legacy)).toEqual({ kind: "valid", token });
    expect(verifyReplyToken(secretRing(NEW, [], false), legacy).kind).toBe("forged");
  });

  it("parses the deployment settings", () => {
    const env = loadEnv({ WEB_TRUST_PROXY: "10.0.0.0/8, 127.0.0.1", WEB_HOST: "0.0.0.0", MAILCASE_PUBLIC_URL: "https://support.example.com/", MAILCASE_SECRET_PREVIOUS: `${OLD}, ` });
    expect(env.WEB_TRUST_PROXY).toEqual(["10.0.0.0/8", "127.0.0.1"]);
    expect(loadEnv({ WEB_TRUST_PROXY: "1" }).WEB_TRUST_PROXY).toBe(1);
    expect(loadEnv({}).WEB_TRUST_PROXY).toBe(false);
    expect(env.MAILCASE_PUBLIC_URL).toBe("https://support.example.com");
    expect(env.MAILCASE_SECRET_PREVIOUS).toEqual([OLD]);
  });
});

/**
 * The web forms' proof of work: ALTCHA challenges (altcha-lib, PBKDF2/SHA-256, deterministic mode), made and
 * checked here with no third party. The browser's widget solves one in a second or two; a bot posting
 * thousands of forms pays that for each.
 *
 * altcha-lib verifies a replayed solution again (portal.md §4.4), so each accepted solution's nonce is
 * stored in Redis (SET NX) until its challenge expires: the second use is refused.
 * Keys: the HKDF "form" key (src/config/secrets.ts); previous secrets still verify during a rotation.
 */
import { createChallenge, randomInt, verifySolution, type Challenge } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/pbkdf2";
import type { Redis } from "ioredis";
import { z } from "zod";

export const POW_ALGORITHM = "PBKDF2/SHA-256";
export const POW_TTL_MS = 20 * 60_000;

const secrets = (key: Buffer) => ({ hmacSignatureSecret: `${key.toString("hex")}:altcha`, hmacKeySignatureSecret: `${key.toString("hex")}:altcha-key` });

export async function newChallenge(key: Buffer, formKey: string, pow: { cost: number; maxCounter: number }, now: number): Promise<Challenge> {
  return createChallenge({
    algorithm: POW_ALGORITHM,
    cost: pow.cost,
    counter: randomInt(pow.maxCounter, Math.max(1, Math.floor(pow.maxCounter / 4))),
    deriveKey,
    expiresAt: new Date(now + POW_TTL_MS),
    // The form is part of what is signed: a solution for one form is no good on another.
    data: { form: formKey },
    ...secrets(key),
  });
}

/** The widget's hidden field: base64 JSON of { challenge, solution }. */
const Payload = z.object({
  challenge: z.object({
    parameters: z.object({ algorithm: z.string(), nonce: z.string().min(8).max(200), salt: z.string(), cost: z.number(), keyLength: z.number(), keyPrefix: z.string(), keySignature: z.string().optional(), expiresAt: z.number().optional(), data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional() }).loose(),
    signature: z.string().optional(),
  }).loose(),
  solution: z.object({ counter: z.number().int().nonnegative(), derivedKey: z.string().max(1000), time: z.number().optional() }).loose(),
});

export type PowCheck = { kind: "ok" } | { kind: "invalid" } | { kind: "expired" } | { kind: "replayed" };

export async function checkSolution(keys: readonly Buffer[], payload: string, formKey: string, redis: Redis, redisPrefix: string, now: number): Promise<PowCheck> {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, "base64").toString("utf8"));
  } catch {
    return { kind: "invalid" };
  }
  const p = Payload.safeParse(decoded);
  if (!p.success) return { kind: "invalid" };
  const { challenge, solution } = p.data as { challenge: Challenge; solution: { counter: number; derivedKey: string } };
  if (challenge.parameters.algorithm !== POW_ALGORITHM || challenge.parameters.data?.form !== formKey) return { kind: "invalid" };
  let verified = false;
  for (const key of keys) {
    const r = await verifySolution({ challenge, solution, deriveKey, ...secrets(key) });
    if (r.expired) return { kind: "expired" };
    if (r.verified) {
      verified = true;
      break;
    }
  }
  if (!verified) return { kind: "invalid" };
  // Each solution once: the nonce is covered by the signature, so a new nonce needs a new solve.
  const ttl = Math.max(1000, (challenge.parameters.expiresAt ?? Math.floor((now + POW_TTL_MS) / 1000)) * 1000 - now + 60_000);
  const first = await redis.set(`${redisPrefix}:webform:pow:${challenge.parameters.nonce}`, "1", "PX", ttl, "NX");
  return first === "OK" ? { kind: "ok" } : { kind: "replayed" };
}

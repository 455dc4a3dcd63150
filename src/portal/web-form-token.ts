/**
 * The signed form token every served web form carries (portal.md §3.5): which form, when it was served, a
 * random nonce; MAC'd with the form key (HKDF purpose "form", src/config/secrets.ts). It proves the
 * submission comes from a form we served (no blind POSTs from a script), not too fast after serving it
 * (a person needs seconds to fill a form), and not too long after (a harvested token dies).
 *
 * The nonce also names the honeypot field, so its name differs on every page and a bot cannot learn to skip it.
 * Pure: keys and time are arguments.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export interface FormTokenClaims {
  formKey: string;
  issuedAt: number;
  nonce: string;
}

const mac = (key: Buffer, body: string): Buffer => createHmac("sha256", key).update(`web-form:${body}`).digest();

export function newNonce(): string {
  return randomBytes(12).toString("base64url");
}

export function signFormToken(key: Buffer, claims: FormTokenClaims): string {
  const body = `${claims.formKey}.${claims.issuedAt}.${claims.nonce}`;
  return `${body}.${mac(key, body).toString("base64url")}`;
}

export type FormTokenCheck =
  | { kind: "ok"; claims: FormTokenClaims }
  | { kind: "invalid" }
  | { kind: "expired" }
  | { kind: "too-fast"; waitMs: number };

/**
 * Checks a token against every key (current secret first, then previous ones during a rotation), for this
 * form, at `now`: at least `minFillMs` and at most `ttlMs` after it was served.
 */
export function checkFormToken(keys: readonly Buffer[], token: string, formKey: string, now: number, limits: { minFillMs: number; ttlMs: number }): FormTokenCheck {
  const m = /^([a-z0-9_-]+)\.(\d{1,15})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return { kind: "invalid" };
  const [, key, issued, nonce, sig] = m as unknown as [string, string, string, string, string];
  const body = `${key}.${issued}.${nonce}`;
  // Compared as text: the last base64 character carries 2 spare bits, so decoding would let 4 spellings of
  // one MAC pass (found by the property test); only the canonical spelling is ours.
  const given = Buffer.from(sig, "latin1");
  const valid = keys.some((k) => {
    const expected = Buffer.from(mac(k, body).toString("base64url"), "latin1");
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  // A token of another form is as invalid as a forged one: forms differ in fields and defences.
  if (!valid || key !== formKey) return { kind: "invalid" };
  const issuedAt = Number(issued);
  const age = now - issuedAt;
  if (age > limits.ttlMs) return { kind: "expired" };
  if (age < limits.minFillMs) return { kind: "too-fast", waitMs: limits.minFillMs - Math.max(age, 0) };
  return { kind: "ok", claims: { formKey: key, issuedAt, nonce } };
}

/** The honeypot's field name for a token nonce: looks like an ordinary field, differs on every page. */
export function honeypotName(nonce: string): string {
  return `website_${nonce.slice(0, 8).replace(/[^A-Za-z0-9]/g, "x")}`;
}

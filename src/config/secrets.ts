import { hkdfSync } from "node:crypto";

/**
 * One operator secret (MAILCASE_SECRET), many keys: each purpose gets its own key derived with HKDF
 * (RFC 5869), so a MAC made for one purpose (a session cookie) can never be replayed as another (a reply
 * address), and rotating the secret rotates every key at once.
 *
 * Rotation: the new secret signs; keys derived from MAILCASE_SECRET_PREVIOUS still verify (never sign) until
 * the operator removes them, which ends the grace period.
 */
export type KeyPurpose = "reply-token" | "sign-in" | "session" | "form" | "satisfaction" | "attachment";

/** The lab default that ships in the source: refused outside lab mode (anyone could post as an agent with it). */
export const LAB_SECRET = "mailcase-lab-secret-change-me";

export interface SecretRing {
  readonly current: string;
  readonly previous: readonly string[];
  /**
   * Reply addresses signed before keys were derived (HMAC with the raw secret) are still accepted, so
   * notifications already in agents' mailboxes keep working after an upgrade. Turn off after a grace period.
   */
  readonly legacyReplyTokens: boolean;
}

const cache = new Map<string, Buffer>();

/** The 32-byte key for `purpose` derived from `secret` (HKDF-SHA256, fixed salt, purpose as info). */
export function deriveKey(secret: string, purpose: KeyPurpose): Buffer {
  const id = `${purpose}\0${secret}`;
  let key = cache.get(id);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", secret, "mailcase-v1", `mailcase:${purpose}`, 32));
    cache.set(id, key);
  }
  return key;
}

/** Keys for one purpose: the first signs, all verify (current first, then previous secrets). */
export function keysFor(ring: SecretRing, purpose: KeyPurpose): Buffer[] {
  return [ring.current, ...ring.previous].map((s) => deriveKey(s, purpose));
}

export function secretRing(current: string, previous: readonly string[] = [], legacyReplyTokens = true): SecretRing {
  return Object.freeze({ current, previous: Object.freeze([...previous]), legacyReplyTokens });
}

/**
 * Signed links that work without signing in: the satisfaction links of the resolution mail (one per case and
 * contact) and the download links of customer attachments in agents' notices (one per attachment, expiring).
 *
 * Each is an HMAC-SHA256 with its own HKDF purpose key (src/config/secrets.ts), so a link of one kind can never
 * be replayed as the other, nor as a reply address or a session; keys of a previous secret still verify during a
 * rotation. What a link grants is small and named by its ids: rating one case once, or reading one file.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { keysFor, type SecretRing } from "../config/secrets.ts";

const mac = (key: Buffer, text: string) => createHmac("sha256", key).update(text).digest().subarray(0, 18).toString("base64url");

function verifies(ring: SecretRing, purpose: "satisfaction" | "attachment", text: string, sig: string): boolean {
  const given = Buffer.from(sig, "base64url");
  // A signature of another length (or not base64url at all) is refused before comparing.
  if (given.length !== 18 || given.toString("base64url") !== sig) return false;
  return keysFor(ring, purpose).some((k) => timingSafeEqual(Buffer.from(mac(k, text), "base64url"), given));
}

export interface SatisfactionClaim {
  caseId: number;
  contactId: number;
}

/** `<caseId>.<contactId>.<signature>`: the path segment of a satisfaction link. */
export function signSatisfaction(ring: SecretRing, claim: SatisfactionClaim): string {
  const [key] = keysFor(ring, "satisfaction");
  return `${claim.caseId}.${claim.contactId}.${mac(key!, `s1:${claim.caseId}:${claim.contactId}`)}`;
}

/** The claim of a satisfaction token, or null when it is malformed or its signature does not verify. */
export function verifySatisfaction(ring: SecretRing, token: string): SatisfactionClaim | null {
  const m = /^([1-9]\d{0,15})\.([1-9]\d{0,15})\.([A-Za-z0-9_-]{24})$/.exec(token);
  if (!m) return null;
  const caseId = Number(m[1]);
  const contactId = Number(m[2]);
  if (!Number.isSafeInteger(caseId) || !Number.isSafeInteger(contactId)) return null;
  return verifies(ring, "satisfaction", `s1:${caseId}:${contactId}`, m[3]!) ? { caseId, contactId } : null;
}

export interface AttachmentClaim {
  attachmentId: number;
  /** Expiry, epoch seconds. */
  expires: number;
}

/** `<attachmentId>.<expires>.<signature>`: the path segment of an attachment download link. */
export function signAttachment(ring: SecretRing, claim: AttachmentClaim): string {
  const [key] = keysFor(ring, "attachment");
  return `${claim.attachmentId}.${claim.expires}.${mac(key!, `a1:${claim.attachmentId}:${claim.expires}`)}`;
}

/** The claim of a download token that verifies and has not expired at `now`, else null. */
export function verifyAttachment(ring: SecretRing, token: string, now: Date): AttachmentClaim | null {
  const m = /^([1-9]\d{0,15})\.(\d{1,12})\.([A-Za-z0-9_-]{24})$/.exec(token);
  if (!m) return null;
  const claim = { attachmentId: Number(m[1]), expires: Number(m[2]) };
  if (!verifies(ring, "attachment", `a1:${claim.attachmentId}:${claim.expires}`, m[3]!)) return null;
  return claim.expires * 1000 > now.getTime() ? claim : null;
}

/** The public URL of a satisfaction link for `rating` (the page asks to confirm: a GET records nothing). */
export const satisfactionUrl = (publicUrl: string, token: string, rating: "good" | "bad") => `${publicUrl.replace(/\/+$/, "")}/satisfaction/${token}?rating=${rating}`;
export const attachmentUrl = (publicUrl: string, token: string) => `${publicUrl.replace(/\/+$/, "")}/files/${token}`;

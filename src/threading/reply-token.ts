import { createHmac, timingSafeEqual } from "node:crypto";
import { deriveKey, secretRing, type SecretRing } from "../config/secrets.ts";

/**
 * Signed reply addresses: notifications to agents carry Reply-To `support+<token>@domain`. The token binds
 * the case, the agent and the visibility of the post they were notified about, so an agent's email reply
 * is attributed by a secret-bearing address AND their From, never by From alone (From is trivially forged).
 *
 * Format: `c<case id>a<agent id>v<p|i>-<16 hex hmac>`; lower-case only because some MTAs and clients
 * lower-case local parts.
 */
export type TokenVisibility = "public" | "internal";

export interface ReplyToken {
  caseId: number;
  agentId: number;
  visibility: TokenVisibility;
}

const TOKEN_RE = /^c(\d{1,12})a(\d{1,12})v([pi])-([0-9a-f]{16})$/;
/**
 * An agent's personal forwarding address, `f<agent id>-<hmac>`: a customer's mail forwarded there by that
 * agent is filed as the customer's own message. Bound to the agent only (forwarding starts without a case).
 */
const FORWARD_RE = /^f(\d{1,12})-([0-9a-f]{16})$/;
/**
 * The reply address of a knowledge base review mail, `r<article id>a<agent id>-<hmac>`: an answer there acts
 * on that article's review (`#publish`, `#reject`), never on a case or an approval.
 */
const REVIEW_RE = /^r(\d{1,12})a(\d{1,12})-([0-9a-f]{16})$/;

/**
 * The secret as callers hold it: the whole ring (rotation, legacy signatures), or a bare string (tests, tools),
 * which is a ring of one.
 */
export type ReplySecret = SecretRing | string;
const ring = (s: ReplySecret): SecretRing => (typeof s === "string" ? secretRing(s) : s);

function mac(key: string | Buffer, body: string): string {
  return createHmac("sha256", key).update(`mailcase-reply:${body}`).digest("hex").slice(0, 16);
}

/**
 * Keys a signature may have been made with: the derived reply key of the current and previous secrets, and
 * (grace period after the upgrade to derived keys) the raw secrets themselves.
 */
function verifyKeys(secret: ReplySecret): (string | Buffer)[] {
  const r = ring(secret);
  const secrets = [r.current, ...r.previous];
  return [...secrets.map((s) => deriveKey(s, "reply-token")), ...(r.legacyReplyTokens ? secrets : [])];
}

/** Constant-time check of a token's signature against every accepted key. */
function macMatches(secret: ReplySecret, body: string, given: string): boolean {
  const got = Buffer.from(given);
  let ok = false;
  for (const key of verifyKeys(secret)) {
    const expected = Buffer.from(mac(key, body));
    // No early exit: the time taken does not tell which key (if any) matched.
    if (expected.length === got.length && timingSafeEqual(expected, got)) ok = true;
  }
  return ok;
}

const signingKey = (secret: ReplySecret): Buffer => deriveKey(ring(secret).current, "reply-token");

export function signReplyToken(secret: ReplySecret, token: ReplyToken): string {
  const body = `c${token.caseId}a${token.agentId}v${token.visibility === "internal" ? "i" : "p"}`;
  return `${body}-${mac(signingKey(secret), body)}`;
}

export function signForwardToken(secret: ReplySecret, agentId: number): string {
  const body = `f${agentId}`;
  return `${body}-${mac(signingKey(secret), body)}`;
}

export function signReviewToken(secret: ReplySecret, articleId: number, agentId: number): string {
  const body = `r${articleId}a${agentId}`;
  return `${body}-${mac(signingKey(secret), body)}`;
}

/** The pre-HKDF signature (raw secret as the HMAC key); only for tests of the grace period. */
export function signLegacyReplyToken(secret: string, token: ReplyToken): string {
  const body = `c${token.caseId}a${token.agentId}v${token.visibility === "internal" ? "i" : "p"}`;
  return `${body}-${mac(secret, body)}`;
}

export type TokenCheck =
  | { kind: "valid"; token: ReplyToken }
  | { kind: "forward"; agentId: number }
  | { kind: "review"; articleId: number; agentId: number }
  | { kind: "forged"; raw: string }
  | { kind: "absent" };

/** Verifies a token string (the part after '+'). */
export function verifyReplyToken(secret: ReplySecret, raw: string): TokenCheck {
  const f = FORWARD_RE.exec(raw.toLowerCase());
  if (f?.[1] && f[2]) {
    if (!macMatches(secret, `f${f[1]}`, f[2])) return { kind: "forged", raw };
    return { kind: "forward", agentId: Number(f[1]) };
  }
  const r = REVIEW_RE.exec(raw.toLowerCase());
  if (r?.[1] && r[2] && r[3]) {
    if (!macMatches(secret, `r${r[1]}a${r[2]}`, r[3])) return { kind: "forged", raw };
    return { kind: "review", articleId: Number(r[1]), agentId: Number(r[2]) };
  }
  const m = TOKEN_RE.exec(raw.toLowerCase());
  if (!m || !m[1] || !m[2] || !m[3] || !m[4]) return { kind: "absent" };
  const body = `c${m[1]}a${m[2]}v${m[3]}`;
  if (!macMatches(secret, body, m[4])) return { kind: "forged", raw };
  return {
    kind: "valid",
    token: { caseId: Number(m[1]), agentId: Number(m[2]), visibility: m[3] === "i" ? "internal" : "public" },
  };
}

/** `support+TOKEN@helpdesk.test` for a mailbox address `support@helpdesk.test`. */
export function replyAddress(mailboxAddress: string, token: string): string {
  const at = mailboxAddress.lastIndexOf("@");
  return `${mailboxAddress.slice(0, at)}+${token}${mailboxAddress.slice(at)}`;
}

/**
 * Finds the first reply token among recipient addresses addressed to the given mailbox
 * (To, Cc, Delivered-To all count: clients differ in what they keep on a reply).
 */
export function findReplyToken(secret: ReplySecret, mailboxAddress: string, recipients: string[]): TokenCheck {
  const at = mailboxAddress.lastIndexOf("@");
  const local = mailboxAddress.slice(0, at).toLowerCase();
  const domain = mailboxAddress.slice(at + 1).toLowerCase();
  let forged: TokenCheck | null = null;
  for (const r of recipients) {
    const addr = r.toLowerCase();
    const rat = addr.lastIndexOf("@");
    if (rat < 0 || addr.slice(rat + 1) !== domain) continue;
    const lp = addr.slice(0, rat);
    if (!lp.startsWith(`${local}+`)) continue;
    const check = verifyReplyToken(secret, lp.slice(local.length + 1));
    if (check.kind === "valid" || check.kind === "forward" || check.kind === "review") return check;
    if (check.kind === "forged") forged = check;
  }
  return forged ?? { kind: "absent" };
}

/**
 * Passwordless sign-in (portal.md §3.1): a mailed link and a 6-digit code.
 *
 * - The link token is 32 random bytes (base64url); only its sha256 is stored. The code is stored as an HMAC
 *   under the sign-in key (a bare hash of six digits is reversed in a millisecond).
 * - 15 minutes, single use: consumed by one conditional UPDATE (`used_at IS NULL AND expires_at > now()`),
 *   so two presses of the button, or a link and its code, can never both sign in.
 * - At most 3 live requests per address; a new request never extends old ones.
 * - A code allows 5 wrong attempts per request, counted atomically, then that request is dead.
 * - Only contacts with a portal account receive anything; the caller answers every address the same.
 */
import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { keysFor } from "../config/secrets.ts";
import type { Deps } from "../kernel/deps.ts";
import { enqueueSend } from "../pipeline/send/send.job.ts";
import type { PortalDef } from "./portal-config.ts";
import { writePortalMail } from "./portal-mail.ts";

export const SIGN_IN_TTL_MS = 15 * 60_000;
export const MAX_LIVE_SIGN_INS = 3;
export const MAX_CODE_ATTEMPTS = 5;

export const sha256Hex = (value: string): string => createHash("sha256").update(value).digest("hex");

function codeMac(key: Buffer, tokenHash: string, code: string): string {
  return createHmac("sha256", key).update(`${tokenHash}:${code}`).digest("hex");
}

export type SignInRequestOutcome =
  | { kind: "sent"; signInId: number }
  | { kind: "not-eligible" }
  | { kind: "too-many-live" };

/**
 * Creates a sign-in request for `email` and writes its mail (sent by the send queue). The HTTP handler
 * calls this after answering, so the answer takes the same time whatever the outcome.
 */
export async function requestSignIn(
  deps: Deps,
  portal: PortalDef,
  input: { email: string; returnTo: string | null; publicUrl: string; lang: string },
): Promise<SignInRequestOutcome> {
  let contact = await deps.db.contact.findUnique({ where: { email: input.email } });
  if (!contact?.portalUser) {
    // Self-registration: an address of a configured account's domain gets a link like a listed user; it
    // becomes a portal user only when it uses the link (grantSelfRegistration), which proves the address.
    const account = await selfRegistrationAccount(deps, portal, input.email);
    if (!account) return { kind: "not-eligible" };
    contact ??= await deps.db.contact.upsert({ where: { email: input.email }, create: { email: input.email, accountId: account }, update: {} });
  }
  const mailbox = await deps.db.mailbox.findFirst({ where: { active: true }, orderBy: { id: "asc" } });
  if (!mailbox) {
    deps.log.error({ portal: portal.key }, "portal sign-in: no active mailbox to send from");
    return { kind: "not-eligible" };
  }
  const now = deps.clock.now();
  const token = randomBytes(32).toString("base64url");
  const tokenHash = sha256Hex(token);
  const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
  const signInKey = keysFor(deps.secret, "sign-in")[0]!;

  const result = await deps.db.$transaction(async (tx) => {
    // Serialise requests per contact, so two parallel requests cannot both pass the live-count check.
    await tx.$queryRaw`SELECT id FROM "Contact" WHERE id = ${contact.id} FOR UPDATE`;
    const live = await tx.portalSignIn.count({ where: { contactId: contact.id, usedAt: null, expiresAt: { gt: now } } });
    if (live >= MAX_LIVE_SIGN_INS) return null;
    const row = await tx.portalSignIn.create({
      data: { contactId: contact.id, portalKey: portal.key, tokenHash, codeHash: codeMac(signInKey, tokenHash, code), returnTo: input.returnTo, expiresAt: new Date(now.getTime() + SIGN_IN_TTL_MS) },
    });
    const rendered = deps.templates.render(contact.locale || input.lang, "sign-in", {
      contactName: contact.name || contact.email,
      portalName: portal.name,
      supportName: mailbox.displayName,
      link: `${input.publicUrl}${portal.path}/sign-in/${token}`,
      code,
    });
    const outboundId = await writePortalMail(tx, { recipientKey: `t${row.id}`, contactId: contact.id, to: contact.email, rendered, mailbox });
    return { signInId: row.id, outboundId };
  });
  if (!result) return { kind: "too-many-live" };
  if (result.outboundId !== null) await enqueueSend(deps.queues.send, [result.outboundId]);
  return { kind: "sent", signInId: result.signInId };
}

export interface ConsumedSignIn {
  signInId: number;
  contactId: number;
  returnTo: string | null;
}

/** Consumes a link token once; null when unknown, expired, used, or of another portal. */
export async function consumeLink(deps: Deps, portal: PortalDef, token: string): Promise<ConsumedSignIn | null> {
  const now = deps.clock.now();
  const rows = await deps.db.$queryRaw<{ id: number; contactId: number; returnTo: string | null }[]>`
    UPDATE "PortalSignIn" SET "usedAt" = ${now}
    WHERE "tokenHash" = ${sha256Hex(token)} AND "portalKey" = ${portal.key} AND "usedAt" IS NULL AND "expiresAt" > ${now}
    RETURNING id, "contactId", "returnTo"`;
  const row = rows[0];
  return row ? { signInId: row.id, contactId: row.contactId, returnTo: row.returnTo } : null;
}

/**
 * Checks a typed code against the address's live requests. Each try uses up one attempt of every live
 * request (counted in the UPDATE itself, so parallel guesses cannot exceed the cap); a match consumes it.
 */
export async function consumeCode(deps: Deps, portal: PortalDef, email: string, code: string): Promise<ConsumedSignIn | null> {
  const now = deps.clock.now();
  const contact = await deps.db.contact.findUnique({ where: { email }, select: { id: true } });
  if (!contact) return null;
  const candidates = await deps.db.$queryRaw<{ id: number; tokenHash: string; codeHash: string; returnTo: string | null }[]>`
    UPDATE "PortalSignIn" SET "codeAttempts" = "codeAttempts" + 1
    WHERE "contactId" = ${contact.id} AND "portalKey" = ${portal.key} AND "usedAt" IS NULL AND "expiresAt" > ${now} AND "codeAttempts" < ${MAX_CODE_ATTEMPTS}
    RETURNING id, "tokenHash", "codeHash", "returnTo"`;
  const keys = keysFor(deps.secret, "sign-in");
  for (const c of candidates) {
    const stored = Buffer.from(c.codeHash, "hex");
    const matches = keys.some((k) => {
      const given = Buffer.from(codeMac(k, c.tokenHash, code), "hex");
      return given.length === stored.length && timingSafeEqual(given, stored);
    });
    if (!matches) continue;
    const used = await deps.db.portalSignIn.updateMany({ where: { id: c.id, usedAt: null }, data: { usedAt: now } });
    if (used.count === 1) return { signInId: c.id, contactId: contact.id, returnTo: c.returnTo };
  }
  return null;
}

/** The account (id) through whose domain `email` may self-register on this portal, if any. */
async function selfRegistrationAccount(deps: Deps, portal: PortalDef, email: string): Promise<number | null> {
  if (portal.selfRegistrationAccounts.length === 0) return null;
  const domain = email.slice(email.lastIndexOf("@") + 1).toLowerCase();
  const account = await deps.db.account.findFirst({ where: { key: { in: portal.selfRegistrationAccounts }, domains: { has: domain } }, select: { id: true } });
  return account?.id ?? null;
}

/**
 * After a self-registering address used its link or code: portal access for the contact, if this portal
 * still allows its domain (the rule may have changed since the mail). A listed portal user is left as is.
 */
export async function grantSelfRegistration(deps: Deps, portal: PortalDef, contactId: number): Promise<void> {
  const contact = await deps.db.contact.findUnique({ where: { id: contactId } });
  if (!contact || contact.portalUser) return;
  const account = await selfRegistrationAccount(deps, portal, contact.email);
  if (account === null) return;
  // The account of the domain, when the contact has none: exposure rules by account then apply to them.
  await deps.db.contact.update({ where: { id: contactId }, data: { portalUser: true, ...(contact.accountId === null ? { accountId: account } : {}) } });
}

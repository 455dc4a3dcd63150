/**
 * Portal sessions, server-side (PortalSession). The cookie carries a random id (signed with the session key,
 * so a forged or truncated cookie is rejected before any lookup); the table stores only its sha256.
 *
 * A session is valid while: not revoked, within its absolute lifetime and idle timeout, its portal still
 * serves, and its contact still has portal access with the same address and account as at sign-in. Any
 * change there ends it (revoked on the spot). What the user may see is not stored: exposure is computed
 * from current data on every request (src/portal/exposure.ts).
 */
import { randomBytes } from "node:crypto";
import type { Deps } from "../kernel/deps.ts";
import { sha256Hex } from "./sign-in.service.ts";

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

export interface PortalSessionView {
  sessionId: number;
  contactId: number;
  email: string;
  name: string | null;
  locale: string;
  accountId: number | null;
  role: string | null;
}

/** Creates a session for a contact who just signed in; returns the cookie value (never stored). */
export async function createSession(deps: Deps, policy: SessionPolicy, input: { contactId: number; portalKey: string; userAgent: string | null }): Promise<{ value: string; sessionId: number } | null> {
  const contact = await deps.db.contact.findUnique({ where: { id: input.contactId } });
  if (!contact?.portalUser) return null;
  const value = randomBytes(32).toString("base64url");
  const now = deps.clock.now();
  const row = await deps.db.portalSession.create({
    data: {
      idHash: sha256Hex(value),
      contactId: contact.id,
      portalKey: input.portalKey,
      email: contact.email,
      accountId: contact.accountId,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + policy.absoluteMs),
      userAgent: input.userAgent?.slice(0, 300) ?? null,
    },
  });
  return { value, sessionId: row.id };
}

/** The session behind a cookie value, or null (and revoked when it failed a check of current data). */
export async function loadSession(deps: Deps, policy: SessionPolicy, portalKey: string, value: string): Promise<PortalSessionView | null> {
  const now = deps.clock.now();
  const s = await deps.db.portalSession.findUnique({ where: { idHash: sha256Hex(value) }, include: { contact: true } });
  if (!s || s.revokedAt || s.portalKey !== portalKey) return null;
  const expired = s.expiresAt <= now || s.lastSeenAt.getTime() + policy.idleMs <= now.getTime();
  const changed = !s.contact.portalUser || s.contact.email !== s.email || s.contact.accountId !== s.accountId;
  if (expired || changed) {
    await deps.db.portalSession.updateMany({ where: { id: s.id, revokedAt: null }, data: { revokedAt: now } });
    return null;
  }
  // Idle clock: written at most once a minute, not on every request.
  if (now.getTime() - s.lastSeenAt.getTime() > 60_000) await deps.db.portalSession.update({ where: { id: s.id }, data: { lastSeenAt: now } });
  return { sessionId: s.id, contactId: s.contactId, email: s.contact.email, name: s.contact.name, locale: s.contact.locale, accountId: s.contact.accountId, role: s.contact.portalRole };
}

export async function revokeSession(deps: Deps, sessionId: number): Promise<void> {
  await deps.db.portalSession.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: deps.clock.now() } });
}

/** "Sign out everywhere": every live session of the contact, on every portal. */
export async function revokeAllSessions(deps: Deps, contactId: number): Promise<number> {
  const r = await deps.db.portalSession.updateMany({ where: { contactId, revokedAt: null }, data: { revokedAt: deps.clock.now() } });
  return r.count;
}

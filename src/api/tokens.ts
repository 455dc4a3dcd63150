/**
 * Per-agent API tokens: `mc_<43 base64url chars>` (256 random bits), shown once at creation; only the SHA-256
 * is stored, so a leaked database does not leak usable tokens. A token acts as its agent with its scopes, is
 * revocable, and records when it was last used.
 */
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import type { DbOrTx } from "../db/client.ts";

export const SCOPES = ["cases:read", "cases:write"] as const;
export type Scope = (typeof SCOPES)[number];
export const Scopes = z.array(z.enum(SCOPES)).min(1);

const hashOf = (token: string) => createHash("sha256").update(token).digest("hex");

export async function createToken(db: DbOrTx, agentKey: string, scopes: readonly Scope[]): Promise<{ id: number; token: string } | null> {
  const agent = await db.agent.findUnique({ where: { key: agentKey } });
  if (!agent || !agent.active) return null;
  const token = `mc_${randomBytes(32).toString("base64url")}`;
  const row = await db.apiToken.create({ data: { agentId: agent.id, prefix: token.slice(0, 8), hash: hashOf(token), scopes: [...scopes] } });
  return { id: row.id, token };
}

export async function revokeToken(db: DbOrTx, id: number, now: Date): Promise<boolean> {
  return (await db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } })).count > 0;
}

export async function listTokens(db: DbOrTx) {
  const rows = await db.apiToken.findMany({ orderBy: { id: "asc" }, include: { agent: { select: { key: true } } } });
  return rows.map((t) => ({ id: t.id, agent: t.agent.key, prefix: t.prefix, scopes: t.scopes, createdAt: t.createdAt, lastUsedAt: t.lastUsedAt, revokedAt: t.revokedAt }));
}

/** The live token behind a bearer string, its last use recorded; null for an unknown or revoked one. */
export async function authenticate(db: DbOrTx, bearer: string, now: Date): Promise<{ id: number; agentId: number; scopes: Scope[] } | null> {
  const row = await db.apiToken.findUnique({ where: { hash: hashOf(bearer) } });
  if (!row || row.revokedAt !== null) return null;
  await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  return { id: row.id, agentId: row.agentId, scopes: row.scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)) };
}

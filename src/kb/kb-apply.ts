/**
 * Writes the `kb:` section of the configuration (called by applyConfig inside its transaction): one
 * KbPortalSetting row per portal listed, exactly as the file says; a portal removed from the list loses
 * its knowledge base (row deleted: "not listed" and "no row" mean the same).
 */
import type { Prisma } from "../generated/prisma/client.ts";
import { KbCategoryExposureSchema, type KbConfig, type KbPortalPolicy } from "./kb-config.ts";
import type { DbOrTx } from "../db/client.ts";

export async function applyKbConfig(tx: Prisma.TransactionClient, kb: KbConfig): Promise<void> {
  for (const p of kb.portals) {
    const data = { enabled: true, public: p.public, fallbackToEn: p.fallbackToEn, categories: { ...p.categories } as Prisma.InputJsonObject };
    await tx.kbPortalSetting.upsert({ where: { portalKey: p.portal }, create: { portalKey: p.portal, ...data }, update: data });
  }
  await tx.kbPortalSetting.deleteMany({ where: { portalKey: { notIn: kb.portals.map((p) => p.portal) } } });
  // Keys resolved to ids now (agents and teams are applied before this section), checked by the schema.
  const agents = await tx.agent.findMany({ where: { key: { in: kb.review.reviewers } }, select: { id: true } });
  const teams = await tx.team.findMany({ where: { key: { in: kb.review.reviewers } }, select: { id: true } });
  const review = { reviewerAgentIds: agents.map((a) => a.id), reviewerTeamIds: teams.map((t) => t.id), defaultPortals: kb.review.defaultPortals };
  await tx.kbReviewSetting.upsert({ where: { id: 1 }, create: { id: 1, ...review }, update: review });
}

/** The portal's knowledge base settings, or null when it has none. */
export async function loadKbPolicy(db: DbOrTx, portalKey: string): Promise<KbPortalPolicy | null> {
  const row = await db.kbPortalSetting.findUnique({ where: { portalKey } });
  if (!row?.enabled) return null;
  return { portalKey, public: row.public, fallbackToEn: row.fallbackToEn, categories: KbCategoryExposureSchema.parse(row.categories) };
}

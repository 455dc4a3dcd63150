/**
 * The configured portals as the web process reads them: Portal rows with their JSON columns validated by the
 * same schemas as the configuration file. Routes are mounted per path at start; each request re-reads its
 * portal through a short cache, so changed exposure rules (`mailcase config apply`) apply within seconds
 * and a removed portal stops answering.
 */
import { z } from "zod";
import type { Db } from "../db/client.ts";
import { ExposureSchema, PORTAL_LANGUAGES, PortalThemeSchema, type PortalDef } from "./portal-config.ts";

const Languages = z.array(z.enum(PORTAL_LANGUAGES)).min(1);
const SelfRegistration = z.object({ accounts: z.array(z.string()) });

export async function loadPortalDefs(db: Db): Promise<PortalDef[]> {
  const rows = await db.portal.findMany({ where: { active: true }, orderBy: { id: "asc" } });
  return rows.map((r) => ({
    key: r.key,
    path: r.path,
    name: r.name,
    languages: Languages.parse(r.languages),
    theme: PortalThemeSchema.parse(r.theme),
    exposure: ExposureSchema.parse(r.exposure),
    selfRegistrationAccounts: SelfRegistration.parse(r.selfRegistration ?? { accounts: [] }).accounts,
  }));
}

export class PortalDirectory {
  private cache: { at: number; defs: Map<string, PortalDef> } | null = null;

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 5_000,
  ) {}

  /** The portal's current definition, or null once it is no longer configured. */
  async get(key: string): Promise<PortalDef | null> {
    const now = Date.now();
    if (!this.cache || now - this.cache.at >= this.ttlMs) {
      const defs = await loadPortalDefs(this.db);
      this.cache = { at: now, defs: new Map(defs.map((d) => [d.key, d])) };
    }
    return this.cache.defs.get(key) ?? null;
  }

  invalidate(): void {
    this.cache = null;
  }
}

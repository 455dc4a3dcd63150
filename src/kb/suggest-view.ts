/**
 * What a new-case form needs to offer knowledge base suggestions: the suggest URL of the portal, a fresh
 * visit id (the deflection metric counts per visit) and the heading, or null where the portal has no
 * knowledge base this reader may read (then the page carries no script at all).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { DbOrTx } from "../db/client.ts";
import { TEMPLATES_DIR } from "../render/templates.ts";
import { loadKbPolicy } from "./kb-apply.ts";
import { kbWords } from "./kb-i18n.ts";
import type { KbLanguage } from "./visibility.ts";

export interface SuggestView {
  url: string;
  visit: string;
  heading: string;
}

/** The browser script, served as `<portal>/assets/kb-suggest.js` and `/forms/assets/kb-suggest.js`. */
export const KB_SUGGEST_JS = readFileSync(path.join(TEMPLATES_DIR, "portal", "kb-suggest.js"), "utf8");

export async function suggestView(db: DbOrTx, portal: { key: string; path: string }, lang: KbLanguage, signedIn: boolean): Promise<SuggestView | null> {
  const policy = await loadKbPolicy(db, portal.key);
  if (!policy || (!policy.public && !signedIn)) return null;
  return { url: `${portal.path}/kb/suggest`, visit: randomBytes(16).toString("base64url"), heading: kbWords(lang).suggestions };
}

/**
 * The portal whose knowledge base suggests articles on the public web forms: the first (by key) whose
 * knowledge base is public, since a web form visitor is not signed in. None: the forms show no suggestions.
 */
export async function webFormKbPortal(db: DbOrTx, portals: readonly { key: string; path: string }[]): Promise<{ key: string; path: string } | null> {
  const rows = await db.kbPortalSetting.findMany({ where: { enabled: true, public: true, portalKey: { in: portals.map((p) => p.key) } }, select: { portalKey: true }, orderBy: { portalKey: "asc" } });
  const key = rows[0]?.portalKey;
  return key === undefined ? null : (portals.find((p) => p.key === key) ?? null);
}

/**
 * The knowledge base part of the helpdesk configuration (`kb:`), and the per-portal settings as the web
 * process reads them back. The same schemas validate the file and the stored JSON on every read, so a
 * hand-edited row can never show a category the file hides.
 */
import { z } from "zod";

const Key = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "must be lower-case letters, digits, '-' or '_'");

/**
 * Which categories a portal shows. A rule names a category and so its whole sub-tree. An article is shown
 * when at least one of its categories is exposed; an article in no category only when `include` is absent.
 */
export const KbCategoryExposureSchema = z
  .object({
    /** Only these categories (and their sub-categories); absent: every category. */
    include: z.array(Key).optional(),
    /** Never these (wins over `include`). */
    exclude: z.array(Key).default([]),
    /** Only for signed-in users of the portal (on a public knowledge base, e.g. partner documentation). */
    signedIn: z.array(Key).default([]),
  })
  .strict();
export type KbCategoryExposure = z.infer<typeof KbCategoryExposureSchema>;

export const KbPortalConfigSchema = z
  .object({
    /** Key of a portal in `portals`. */
    portal: Key,
    /** Readable without signing in (a public module of the portal); false: signed-in users only. */
    public: z.boolean().default(false),
    /** Where an article has no translation in the reader's language, show the English one. */
    fallbackToEn: z.boolean().default(false),
    categories: KbCategoryExposureSchema.default({ exclude: [], signedIn: [] }),
  })
  .strict();

/** Review of articles drafted from cases (`#solution`, `#kb`): who gets the draft by mail to publish or reject. */
export const KbReviewConfigSchema = z
  .object({
    /** Agent or team keys (a team: each of its active members); empty: the lead of the case's team. */
    reviewers: z.array(Key).default([]),
    /** Portals of `#publish` without names; empty: every portal listed in `kb.portals`. */
    defaultPortals: z.array(Key).default([]),
  })
  .strict();
export type KbReviewConfig = z.infer<typeof KbReviewConfigSchema>;

export const KbConfigSchema = z
  .object({
    /** Portals that show the knowledge base; a portal not listed has none. */
    portals: z.array(KbPortalConfigSchema).default([]),
    review: KbReviewConfigSchema.default({ reviewers: [], defaultPortals: [] }),
  })
  .strict();
export type KbConfig = z.infer<typeof KbConfigSchema>;

/** Cross-references of `kb` against the rest of the file, reported at the field that uses them. */
export function checkKbConfig(
  kb: KbConfig,
  portalKeys: ReadonlySet<string>,
  issue: (path: (string | number)[], message: string) => void,
  people: { agents: ReadonlySet<string>; teams: ReadonlySet<string> } = { agents: new Set(), teams: new Set() },
): void {
  kb.review.reviewers.forEach((r, i) => {
    if (!people.agents.has(r) && !people.teams.has(r)) issue(["kb", "review", "reviewers", i], `unknown agent or team "${r}"`);
  });
  kb.review.defaultPortals.forEach((p, i) => {
    if (!kb.portals.some((x) => x.portal === p)) issue(["kb", "review", "defaultPortals", i], `portal "${p}" is not in kb.portals`);
  });
  const seen = new Set<string>();
  kb.portals.forEach((p, i) => {
    if (!portalKeys.has(p.portal)) issue(["kb", "portals", i, "portal"], `unknown portal "${p.portal}"`);
    if (seen.has(p.portal)) issue(["kb", "portals", i, "portal"], `duplicate portal "${p.portal}"`);
    seen.add(p.portal);
  });
}

/** A portal's knowledge base settings as the web process uses them. */
export interface KbPortalPolicy {
  portalKey: string;
  public: boolean;
  fallbackToEn: boolean;
  categories: KbCategoryExposure;
}

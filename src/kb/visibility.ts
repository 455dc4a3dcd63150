/**
 * Which knowledge base articles a portal reader sees: the one visibility rule of the knowledge base. Pure
 * (no database): the routes compile the same rule into a query (kb-visibility-where.ts) and the
 * integration tests check both against each other.
 *
 * An article is visible to a reader of a portal at instant `now` when all of these hold:
 * - its status is PUBLISHED (drafts, articles in review and archived ones never);
 * - the portal is one of the article's portals (none: agents only);
 * - it has not expired: `now` is before `expiresAt` (expiry is a query, not a job: the second it passes, the
 *   article is gone);
 * - its language is the reader's, or English where the portal falls back to English and the article has no
 *   visible translation in the reader's language;
 * - at least one of its categories is exposed by the portal's rules (an article in no category only when the
 *   portal does not restrict categories).
 */
import type { KbCategoryExposure, KbPortalPolicy } from "./kb-config.ts";
import type { KbArticleStatus } from "../kernel/domain-types.ts";

export const KB_LANGUAGES = ["en", "cs", "pl", "zh"] as const;
export type KbLanguage = (typeof KB_LANGUAGES)[number];

export interface KbReader {
  language: KbLanguage;
  signedIn: boolean;
}

/** The category tree: each category key with its parent's key (null at the top). */
export type CategoryTree = ReadonlyMap<string, string | null>;

export interface KbArticleFacts {
  status: KbArticleStatus;
  portals: readonly string[];
  expiresAt: Date | null;
  language: string;
  translationGroup: string;
  categoryKeys: readonly string[];
}

/** The category and its ancestors, nearest first (a cycle in stored data stops the walk, never loops). */
export function lineage(tree: CategoryTree, key: string): string[] {
  const out: string[] = [];
  let cur: string | null | undefined = key;
  while (cur != null && !out.includes(cur)) {
    out.push(cur);
    cur = tree.get(cur);
  }
  return out;
}

/** Whether the portal's rules expose a category to this reader (a rule covers the category's sub-tree). */
export function categoryExposed(tree: CategoryTree, exposure: KbCategoryExposure, key: string, signedIn: boolean): boolean {
  if (!tree.has(key)) return false;
  const line = lineage(tree, key);
  if (exposure.include && !line.some((k) => exposure.include!.includes(k))) return false;
  if (line.some((k) => exposure.exclude.includes(k))) return false;
  if (!signedIn && line.some((k) => exposure.signedIn.includes(k))) return false;
  return true;
}

/** The category keys of the tree the reader may see on this portal. */
export function exposedCategories(tree: CategoryTree, exposure: KbCategoryExposure, signedIn: boolean): string[] {
  return [...tree.keys()].filter((k) => categoryExposed(tree, exposure, k, signedIn));
}

/** The languages a reader may read articles in, in order of preference. */
export function readableLanguages(policy: KbPortalPolicy, reader: KbReader): KbLanguage[] {
  return policy.fallbackToEn && reader.language !== "en" ? [reader.language, "en"] : [reader.language];
}

/** Everything but the language choice between translations: status, portal, expiry, category, language allowed. */
export function isVisibleIgnoringTranslations(a: KbArticleFacts, policy: KbPortalPolicy, tree: CategoryTree, reader: KbReader, now: Date): boolean {
  if (a.status !== "PUBLISHED") return false;
  if (!a.portals.includes(policy.portalKey)) return false;
  if (a.expiresAt !== null && a.expiresAt.getTime() <= now.getTime()) return false;
  if (!(readableLanguages(policy, reader) as string[]).includes(a.language)) return false;
  if (a.categoryKeys.length === 0) return policy.categories.include === undefined;
  return a.categoryKeys.some((k) => categoryExposed(tree, policy.categories, k, reader.signedIn));
}

/**
 * The articles a reader sees, from a set that holds every translation of the articles in question: a visible
 * article in the reader's language hides its English translation (the fallback is only for what has none).
 */
export function visibleArticles<A extends KbArticleFacts>(articles: readonly A[], policy: KbPortalPolicy, tree: CategoryTree, reader: KbReader, now: Date): A[] {
  const candidates = articles.filter((a) => isVisibleIgnoringTranslations(a, policy, tree, reader, now));
  const groupsInOwnLanguage = new Set(candidates.filter((a) => a.language === reader.language).map((a) => a.translationGroup));
  return candidates.filter((a) => a.language === reader.language || !groupsInOwnLanguage.has(a.translationGroup));
}

/** Whether one article (with all its translations given) is visible to the reader. */
export function isVisible<A extends KbArticleFacts>(article: A, translations: readonly A[], policy: KbPortalPolicy, tree: CategoryTree, reader: KbReader, now: Date): boolean {
  return visibleArticles([article, ...translations.filter((t) => t !== article)], policy, tree, reader, now).includes(article);
}

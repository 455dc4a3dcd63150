/**
 * The knowledge base visibility rule (src/kb/visibility.ts): status × portal × language × expiry × category
 * exposure, the English fallback, and an article expiring while the test runs (mocked clock).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { KbPortalPolicy } from "../../src/kb/kb-config.ts";
import { categoryExposed, isVisible, visibleArticles, type CategoryTree, type KbArticleFacts, type KbReader } from "../../src/kb/visibility.ts";

const tree: CategoryTree = new Map<string, string | null>([
  ["billing", null],
  ["invoices", "billing"],
  ["refunds", "billing"],
  ["setup", null],
  ["partners", null],
  ["partner-api", "partners"],
]);

const NOW = new Date("2026-12-03T10:00:00.000Z");
const policy = (over: Partial<KbPortalPolicy> = {}): KbPortalPolicy => ({ portalKey: "main", public: true, fallbackToEn: false, categories: { exclude: [], signedIn: [] }, ...over });
const article = (over: Partial<KbArticleFacts> = {}): KbArticleFacts => ({ status: "PUBLISHED", portals: ["main"], expiresAt: null, language: "en", translationGroup: "g1", categoryKeys: ["invoices"], ...over });
const en: KbReader = { language: "en", signedIn: false };
const cs: KbReader = { language: "cs", signedIn: false };

describe("one article on one portal", () => {
  it.each([
    ["published, this portal, en reader", article(), policy(), en, true],
    ["draft", article({ status: "DRAFT" }), policy(), en, false],
    ["in review", article({ status: "IN_REVIEW" }), policy(), en, false],
    ["archived", article({ status: "ARCHIVED" }), policy(), en, false],
    ["another portal only", article({ portals: ["partners"] }), policy(), en, false],
    ["no portal (agents only)", article({ portals: [] }), policy(), en, false],
    ["two portals, this one among them", article({ portals: ["partners", "main"] }), policy(), en, true],
    ["expired a second ago", article({ expiresAt: new Date(NOW.getTime() - 1000) }), policy(), en, false],
    ["expires exactly now", article({ expiresAt: NOW }), policy(), en, false],
    ["expires in a second", article({ expiresAt: new Date(NOW.getTime() + 1000) }), policy(), en, true],
    ["cs article, en reader", article({ language: "cs" }), policy(), en, false],
    ["en article, cs reader, no fallback", article(), policy(), cs, false],
    ["en article, cs reader, fallback to en", article(), policy({ fallbackToEn: true }), cs, true],
    ["cs article, cs reader", article({ language: "cs" }), policy(), cs, true],
    ["pl article, cs reader, fallback to en", article({ language: "pl" }), policy({ fallbackToEn: true }), cs, false],
    ["category in include (through its parent)", article(), policy({ categories: { include: ["billing"], exclude: [], signedIn: [] } }), en, true],
    ["category outside include", article(), policy({ categories: { include: ["setup"], exclude: [], signedIn: [] } }), en, false],
    ["parent excluded", article(), policy({ categories: { exclude: ["billing"], signedIn: [] } }), en, false],
    ["excluded wins over included", article(), policy({ categories: { include: ["billing"], exclude: ["invoices"], signedIn: [] } }), en, false],
    ["one of two categories exposed", article({ categoryKeys: ["setup", "invoices"] }), policy({ categories: { include: ["setup"], exclude: [], signedIn: [] } }), en, true],
    ["signed-in category, visitor", article({ categoryKeys: ["partner-api"] }), policy({ categories: { exclude: [], signedIn: ["partners"] } }), en, false],
    ["signed-in category, signed-in user", article({ categoryKeys: ["partner-api"] }), policy({ categories: { exclude: [], signedIn: ["partners"] } }), { language: "en", signedIn: true }, true],
    ["no category, portal does not restrict", article({ categoryKeys: [] }), policy(), en, true],
    ["no category, portal restricts", article({ categoryKeys: [] }), policy({ categories: { include: ["billing"], exclude: [], signedIn: [] } }), en, false],
    ["unknown category key", article({ categoryKeys: ["gone"] }), policy(), en, false],
  ] as const)("%s", (_name, a, p, reader, expected) => {
    expect(isVisible(a, [], p, tree, reader, NOW)).toBe(expected);
  });
});

describe("translations and the English fallback", () => {
  const enArt = article({ language: "en", translationGroup: "reset" });
  const csArt = article({ language: "cs", translationGroup: "reset" });
  const enOnly = article({ language: "en", translationGroup: "vpn" });

  it("a cs reader with fallback sees the cs translation, not its English original, and English where no cs exists", () => {
    expect(visibleArticles([enArt, csArt, enOnly], policy({ fallbackToEn: true }), tree, cs, NOW)).toEqual([csArt, enOnly]);
  });

  it("falls back to English when the cs translation is not visible (a draft)", () => {
    const draft = { ...csArt, status: "DRAFT" as const };
    expect(isVisible(enArt, [draft], policy({ fallbackToEn: true }), tree, cs, NOW)).toBe(true);
    expect(isVisible(enArt, [csArt], policy({ fallbackToEn: true }), tree, cs, NOW)).toBe(false);
  });

  it("an English reader sees the English article whatever translations exist", () => {
    expect(visibleArticles([enArt, csArt], policy({ fallbackToEn: true }), tree, en, NOW)).toEqual([enArt]);
  });
});

describe("an article expiring while the reader browses (mocked clock)", () => {
  afterEach(() => vi.useRealTimers());

  it("is visible until its expiry second and gone from that second on, with no job involved", () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-12-03T11:59:58.000Z"));
    const expiring = article({ expiresAt: new Date("2026-12-03T12:00:00.000Z") });
    expect(isVisible(expiring, [], policy(), tree, en, new Date())).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(isVisible(expiring, [], policy(), tree, en, new Date())).toBe(true);
    vi.advanceTimersByTime(999);
    expect(isVisible(expiring, [], policy(), tree, en, new Date())).toBe(true);
    vi.advanceTimersByTime(1);
    expect(isVisible(expiring, [], policy(), tree, en, new Date())).toBe(false);
  });
});

describe("category exposure", () => {
  it("walks up a cyclic tree without looping", () => {
    const cyclic: CategoryTree = new Map([
      ["a", "b"],
      ["b", "a"],
    ]);
    expect(categoryExposed(cyclic, { include: ["c"], exclude: [], signedIn: [] }, "a", false)).toBe(false);
    expect(categoryExposed(cyclic, { exclude: [], signedIn: [] }, "a", false)).toBe(true);
  });
});

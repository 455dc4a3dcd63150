/** When a visit with knowledge base suggestions counts as a deflection (src/kb/suggestion-events.ts). */
import { describe, expect, it } from "vitest";
import { DEFLECTION_WINDOW_MS, summarizeVisits, VisitIdSchema, type VisitSummary } from "../../src/kb/suggestion-events.ts";

const now = new Date("2026-12-02T12:00:00Z");
const ago = (min: number) => new Date(now.getTime() - min * 60_000);
const visit = (over: Partial<VisitSummary>): VisitSummary => ({ portalKey: "main", shown: true, firstOpenedAt: null, submitted: false, ...over });

const table: Array<[string, VisitSummary, { opened: number; submitted: number; deflections: number }]> = [
  ["shown, nothing opened", visit({}), { opened: 0, submitted: 0, deflections: 0 }],
  ["opened 31 min ago, no case", visit({ firstOpenedAt: ago(31) }), { opened: 1, submitted: 0, deflections: 1 }],
  ["opened exactly at the window, no case", visit({ firstOpenedAt: ago(30) }), { opened: 1, submitted: 0, deflections: 1 }],
  ["opened 29 min ago: still inside the window", visit({ firstOpenedAt: ago(29) }), { opened: 1, submitted: 0, deflections: 0 }],
  ["opened, then a case anyway", visit({ firstOpenedAt: ago(90), submitted: true }), { opened: 1, submitted: 1, deflections: 0 }],
  ["a case without opening anything", visit({ submitted: true }), { opened: 0, submitted: 1, deflections: 0 }],
];

describe("summarizeVisits", () => {
  it.each(table)("%s", (_n, v, expected) => {
    expect(summarizeVisits([v], now)[0]).toMatchObject({ portalKey: "main", visitsShown: 1, visitsOpened: expected.opened, visitsSubmitted: expected.submitted, deflections: expected.deflections });
  });

  it("counts per portal, sorted by key", () => {
    const s = summarizeVisits([visit({ portalKey: "b", firstOpenedAt: ago(60) }), visit({ portalKey: "a" }), visit({ portalKey: "b", firstOpenedAt: ago(60) })], now);
    expect(s.map((x) => [x.portalKey, x.visitsShown, x.deflections])).toEqual([["a", 1, 0], ["b", 2, 2]]);
    expect(DEFLECTION_WINDOW_MS).toBe(30 * 60_000);
  });

  it("accepts only random-looking visit ids", () => {
    expect(VisitIdSchema.safeParse("AbCdEfGhIjKlMnOpQrStUv").success).toBe(true);
    for (const bad of ["short", "x'; DROP TABLE", "a".repeat(41), "ab cd ef gh ij kl mn"]) expect(VisitIdSchema.safeParse(bad).success).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { noticeAttachments } from "../../src/pipeline/notify/notification-plan.ts";

describe("which customer files travel with an agent's notice", () => {
  const files = [
    { id: 1, size: 100 },
    { id: 2, size: 2_000 },
    { id: 3, size: 2_001 },
  ];
  it.each([
    ["up to the limit attached, above it linked", 2_000, [1, 2], [3]],
    ["a big limit attaches everything", 10_000_000, [1, 2, 3], []],
    ["a limit below every file links everything", 50, [], [1, 2, 3]],
    ["0 links every file (nothing attached)", 0, [], [1, 2, 3]],
  ])("%s", (_what, max, attach, link) => {
    const plan = noticeAttachments(files, max);
    expect([plan.attach.map((f) => f.id), plan.link.map((f) => f.id)]).toEqual([attach, link]);
  });
  it("has nothing to do without files", () => {
    expect(noticeAttachments([], 100)).toEqual({ attach: [], link: [] });
  });
});

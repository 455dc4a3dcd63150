import { describe, expect, it } from "vitest";
import { updateSendDelay } from "../../src/pipeline/notify/notification-plan.ts";

describe("leading-edge coalescing of update mails", () => {
  const now = new Date("2025-03-01T10:00:30Z");
  it.each([
    ["nothing sent to the recipient about the case: at once", null, 0],
    ["the last mail was a whole window ago: a new burst, at once", new Date("2025-03-01T10:00:00Z"), 0],
    ["the last mail was long ago: at once", new Date("2025-02-01T10:00:00Z"), 0],
    ["a mail 29 s ago: the burst goes on, wait the window", new Date("2025-03-01T10:00:01Z"), 30_000],
    ["a mail this very instant: wait the window", now, 30_000],
  ])("%s", (_what, last, delay) => {
    expect(updateSendDelay(last, now, 30_000)).toBe(delay);
  });
});

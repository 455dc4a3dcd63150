import { describe, expect, it } from "vitest";
import { formatCaseNumber } from "../../src/case/case-number.ts";

describe("formatCaseNumber", () => {
  const c = { prefix: "MC", number: 42, createdAt: new Date("2026-11-30T23:59:00Z") };
  it("formats prefix, padded number and year", () => {
    expect(formatCaseNumber("{prefix}-{n}", c)).toBe("MC-42");
    expect(formatCaseNumber("{prefix}-{yyyy}-{n:6}", c)).toBe("MC-2026-000042");
    expect(formatCaseNumber("#{n}", c)).toBe("#42");
  });
  it("does not cut a number longer than the padding, and leaves unknown fields alone", () => {
    expect(formatCaseNumber("{n:2}", { ...c, number: 12345 })).toBe("12345");
    expect(formatCaseNumber("{x}-{n}", c)).toBe("{x}-42");
  });
});

/**
 * src/kernel/domain-types.ts mirrors the enums of prisma/schema.prisma as plain unions so pure modules need
 * not import the generated client. The compiler keeps each union and its runtime list together; this test
 * keeps the lists equal to the schema, so a value added to (or dropped from) an enum in the schema fails
 * here instead of being silently unknown to the pure code.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  CASE_PRIORITIES,
  CASE_STATUSES,
  CASE_TYPE_CHOICES,
  OUTBOUND_KINDS,
  POST_SOURCES,
  SEVERITIES,
  SLA_EVENT_KINDS,
  SLA_METRICS,
  VISIBILITIES,
  KB_ARTICLE_STATUSES,
} from "../../src/kernel/domain-types.ts";

const schema = readFileSync(path.resolve(import.meta.dirname, "../../prisma/schema.prisma"), "utf8");

/** Every `enum Name { … }` block of the schema: its values in order, without `///` doc lines or comments. */
function schemaEnums(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of text.matchAll(/^enum\s+(\w+)\s*\{([^}]*)\}/gm)) {
    const values = (m[2] ?? "")
      .split("\n")
      .map((line) => line.replace(/\/\/.*$/, "").trim())
      .filter((line) => line !== "")
      .map((line) => line.split(/\s+/)[0]!);
    out.set(m[1]!, values);
  }
  return out;
}

const enums = schemaEnums(schema);

describe("domain types mirror the schema's enums", () => {
  it.each([
    ["CasePriority", CASE_PRIORITIES],
    ["Visibility", VISIBILITIES],
    ["PostSource", POST_SOURCES],
    ["OutboundKind", OUTBOUND_KINDS],
    ["CaseStatus", CASE_STATUSES],
    ["Severity", SEVERITIES],
    ["SlaMetric", SLA_METRICS],
    ["SlaEventKind", SLA_EVENT_KINDS],
    ["KbArticleStatus", KB_ARTICLE_STATUSES],
  ] as const)("enum %s", (name, list) => {
    expect(enums.get(name)).toEqual([...list]);
  });

  it("lets an agent choose every case type the schema can store, FEATURE_REQUEST included, and no other", () => {
    expect(enums.get("CaseType")).toEqual([...CASE_TYPE_CHOICES]);
    expect(CASE_TYPE_CHOICES).toContain("FEATURE_REQUEST");
  });

  it("reads the enums out of the schema (a parser finding nothing would make the checks above vacuous)", () => {
    expect(enums.get("OutboundKind")).toEqual(["NOTICE", "ACK", "NEW_CASE", "UPDATE", "REPLY", "SIGN_IN", "APPROVAL"]);
    expect(enums.get("OutboundStatus")).toEqual(["PENDING", "SENDING", "SENT", "FAILED"]);
    expect(enums.size).toBeGreaterThanOrEqual(12);
  });
});

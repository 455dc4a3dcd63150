import { describe, expect, it } from "vitest";
import { statementNames } from "../../src/db/statement-names.ts";

describe("statementNames", () => {
  it("names a statement by its text, the same name every time", () => {
    const name = statementNames();
    const a = name({ sql: `SELECT status FROM "InboundMessage" WHERE id = $1` });
    expect(a).toMatch(/^mc_[0-9a-f]{20}$/);
    expect(name({ sql: `SELECT status FROM "InboundMessage" WHERE id = $1` })).toBe(a);
    expect(name({ sql: `SELECT status FROM "InboundMessage" WHERE id = $2` })).not.toBe(a);
  });

  it.each([
    [`SELECT id FROM "Case" WHERE id IN ($1,$2,$3)`, ""],
    [`INSERT INTO "Event" (a, b) VALUES ($1, $2), ($3, $4)`, ""],
    [`UPDATE "OutboundMail" SET status = $1 WHERE id IN ($2)`, "named"],
    [`WITH input AS (SELECT * FROM unnest($1::text[], $2::int[]) AS t(a, b)) SELECT * FROM input`, "named"],
  ])("%s → %s", (sql, expected) => {
    const got = statementNames()({ sql });
    expect(got === "" ? "" : "named").toBe(expected);
  });

  it("leaves statements unnamed once the limit of distinct texts is reached, and keeps the names it gave", () => {
    const name = statementNames(2);
    const first = name({ sql: "SELECT 1" });
    expect(name({ sql: "SELECT 2" })).not.toBe("");
    expect(name({ sql: "SELECT 3" })).toBe("");
    expect(name({ sql: "SELECT 1" })).toBe(first);
  });
});

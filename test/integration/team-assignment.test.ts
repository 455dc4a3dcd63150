/**
 * A case routed to a team without an agent gets an owner as the team is configured: members in turn
 * (round-robin), and the routing explanation says so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labConfig, rand, sendMail, startApp, waitFor, type App } from "../support/harness.ts";

describe("team assignment", () => {
  const id = rand();
  let app: App;
  beforeAll(async () => {
    app = await startApp(
      labConfig(id, (doc) => {
        doc.areas = [{ key: "helpdesk", name: "Helpdesk", team: "first-line" }];
        (doc.teams as Record<string, unknown>[])[0]!.assignment = "round-robin";
      }),
    );
  });
  afterAll(async () => app?.close());

  it("gives the team's cases to its members in turn", async () => {
    const db = app.rt.deps.db;
    for (const n of [1, 2, 3]) {
      await sendMail({ from: `rr${n}-${id}@customer.test`, to: app.support, subject: `Turn ${n}`, text: "Hello." });
      // One at a time, so the order of the turns is the order of the mails.
      await waitFor(() => db.case.findFirst({ where: { subject: `Turn ${n}` } }), `case ${n}`);
    }
    const cases = await db.case.findMany({ orderBy: { number: "asc" }, include: { owner: true, team: true } });
    expect(cases.map((c) => [c.subject, c.owner?.key, c.team?.key, c.status])).toEqual([
      ["Turn 1", "bob", "first-line", "ASSIGNED"],
      ["Turn 2", "dana", "first-line", "ASSIGNED"],
      ["Turn 3", "bob", "first-line", "ASSIGNED"],
    ]);
    expect((cases[0]!.routing as { explain: string[] }).explain.join("; ")).toContain("owner: round-robin within the team of first-line");
  });
});

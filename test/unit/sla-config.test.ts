import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadHelpdeskConfig, parseHelpdeskConfig } from "../../src/config/helpdesk-config.ts";
import { configIssues as issuesOf, minimalConfigDoc } from "../support/config-doc.ts";

const minimal = () =>
  minimalConfigDoc({
    agents: [
      { key: "alice", name: "Alice", email: "alice@helpdesk.test" },
      { key: "bob", name: "Bob", email: "bob@helpdesk.test" },
    ],
  });

const week = { mon: [{ start: "08:00", end: "17:00" }], fri: [{ start: "08:00", end: "12:00" }] };

describe("SLA configuration", () => {
  it("reads calendars, warning share, escalation recipients, next-response and severity targets", () => {
    const cfg = parseHelpdeskConfig({
      ...minimal(),
      slaContracts: [
        {
          key: "gold",
          name: "Gold",
          calendar: { timeZone: "Europe/Prague", week, holidays: ["2025-12-24"] },
          warningShare: 0.5,
          escalateTo: ["Boss@ACME.test"],
          targets: { HIGH: { firstResponse: "1h", nextResponse: "2h", resolution: "1d" }, LOW: { firstResponse: 30, resolution: "4h" } },
          severityTargets: { BLOCKER: { firstResponse: "15m", nextResponse: "30m", resolution: "2h" } },
        },
      ],
    });
    const gold = cfg.slaContracts[0]!;
    expect(gold.calendar).toEqual({ timeZone: "Europe/Prague", week, holidays: ["2025-12-24"] });
    expect(gold.warningShare).toBe(0.5);
    expect(gold.escalateTo).toEqual(["boss@acme.test"]);
    expect(gold.targets.HIGH).toEqual({ firstResponse: 60, nextResponse: 120, resolution: 1440 });
    expect(gold.targets.LOW).toEqual({ firstResponse: 30, resolution: 240 });
    expect(gold.severityTargets.BLOCKER).toEqual({ firstResponse: 15, nextResponse: 30, resolution: 120 });
  });

  it("defaults: 24×7, a warning at 80 %, nobody extra, no severity targets", () => {
    const cfg = parseHelpdeskConfig({ ...minimal(), slaContracts: [{ key: "s", name: "S", targets: { NORMAL: { firstResponse: "4h", resolution: "2d" } } }] });
    expect(cfg.slaContracts[0]).toMatchObject({ warningShare: 0.8, escalateTo: [], severityTargets: {} });
    expect(cfg.slaContracts[0]!.calendar).toBeUndefined();
  });

  it("names the field of every mistake", () => {
    const issues = issuesOf({
      ...minimal(),
      slaContracts: [
        {
          key: "s",
          name: "S",
          calendar: { timeZone: "Europe/Prag", week: { mon: [{ start: "08:00", end: "25:00" }] }, holidays: ["2025-02-30"] },
          warningShare: 1.5,
          escalateTo: ["not an address"],
          targets: { NORMAL: { firstResponse: "4h", nextResponse: "soon", resolution: "2d" } },
          severityTargets: { HUGE: { firstResponse: "1h", resolution: "1d" } },
        },
      ],
    });
    expect(issues).toContain('slaContracts.0.calendar.timeZone: timeZone: "Europe/Prag" is not an IANA time zone (e.g. "Europe/Prague")');
    expect(issues.some((i) => i.startsWith("slaContracts.0.calendar.week.mon.0.end:"))).toBe(true);
    expect(issues.some((i) => i.startsWith("slaContracts.0.calendar.holidays.0:") && i.includes("2025-02-30"))).toBe(true);
    expect(issues).toContain("slaContracts.0.warningShare: must be between 0 and 1");
    expect(issues.some((i) => i.startsWith("slaContracts.0.escalateTo.0:"))).toBe(true);
    expect(issues).toContain('slaContracts.0.targets.NORMAL.nextResponse: "soon" is not a duration (use e.g. 30m, 4h, 2d)');
    expect(issues.some((i) => i.startsWith("slaContracts.0.severityTargets") && i.includes("HUGE"))).toBe(true);
  });
});

describe("team lead", () => {
  it("is an agent key, checked like every reference", () => {
    expect(issuesOf({ ...minimal(), teams: [{ key: "t", name: "T", members: ["alice"], lead: "zed" }] })).toContain('teams.0.lead: unknown agent "zed"');
    expect(parseHelpdeskConfig({ ...minimal(), teams: [{ key: "t", name: "T", members: ["alice"], lead: "bob" }] }).teams[0]!.lead).toBe("bob");
  });
});

describe("settings", () => {
  it("defaults: the clock pauses while waiting on the customer, a reply to a closed case opens a linked one", () => {
    const cfg = parseHelpdeskConfig(minimal());
    expect(cfg.settings).toMatchObject({ caseNumberFormat: "{prefix}-{n}", closedReplyPolicy: "new-linked-case", slaPausedStatuses: ["WAITING_ON_CUSTOMER"] });
  });

  it("reads the paused statuses, the closed-reply policy and the number format", () => {
    const cfg = parseHelpdeskConfig({
      ...minimal(),
      settings: { defaultArea: "helpdesk", caseNumberFormat: "{prefix}-{yyyy}-{n:6}", closedReplyPolicy: "reopen", slaPausedStatuses: ["WAITING_ON_CUSTOMER", "NEW", "NEW"] },
    });
    expect(cfg.settings).toMatchObject({ caseNumberFormat: "{prefix}-{yyyy}-{n:6}", closedReplyPolicy: "reopen", slaPausedStatuses: ["WAITING_ON_CUSTOMER", "NEW"] });
    expect(parseHelpdeskConfig({ ...minimal(), settings: { defaultArea: "helpdesk", slaPausedStatuses: [] } }).settings.slaPausedStatuses).toEqual([]);
  });

  it.each([
    [{ closedReplyPolicy: "ignore" }, "settings.closedReplyPolicy:"],
    [{ slaPausedStatuses: ["RESOLVED"] }, "settings.slaPausedStatuses.0:"],
    [{ caseNumberFormat: "{prefix}" }, "settings.caseNumberFormat: must contain {n}"],
    [{ caseNumberFormat: "{prefix}-{num}" }, "settings.caseNumberFormat: unknown placeholder {num}"],
    [{ caseNumberFormat: "{n}}" }, "settings.caseNumberFormat: unbalanced"],
    [{ caseNumberFormat: "{n}\r\nBcc: x@y.z" }, "settings.caseNumberFormat: one line"],
  ])("refuses %j, naming the field", (over, message) => {
    const issues = issuesOf({ ...minimal(), settings: { defaultArea: "helpdesk", ...over } });
    expect(issues.some((i) => i.startsWith(message)), issues.join("\n")).toBe(true);
  });
});

describe("config/lab.yaml", () => {
  it("is valid and has a business-hours contract with Czech holidays and team leads", async () => {
    const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../config/lab.yaml");
    const cfg = await loadHelpdeskConfig(file);
    const standard = cfg.slaContracts.find((c) => c.key === "standard")!;
    expect(standard.calendar?.timeZone).toBe("Europe/Prague");
    expect(standard.calendar?.holidays).toContain("2025-12-24");
    expect(cfg.teams.every((t) => t.lead !== undefined)).toBe(true);
  });
});

/**
 * The pure "what is due" rules of follow-up cadences and agent nudges (src/pipeline/sla/automation-plan.ts),
 * and the validation of their configuration (src/config/automation-config.ts).
 */
import { describe, expect, it } from "vitest";
import { ALWAYS_OPEN } from "../../src/sla/calendar.ts";
import { FollowUpSchema, type FollowUp } from "../../src/config/automation-config.ts";
import { parseHelpdeskConfig, HelpdeskConfigError } from "../../src/config/helpdesk-config.ts";
import { addWorkingDays, decideFollowUp, decideNudge, followUpSchedule, giveUpStatus, nudgeDue, planFollowUps } from "../../src/pipeline/sla/automation-plan.ts";
import { cadenceOf, type AutomationCaseRow } from "../../src/pipeline/sla/automation-schedule.ts";
import { local, officeHours, prague } from "../support/calendars.ts";

const cadence = (doc: unknown): FollowUp => FollowUpSchema.parse(doc);
const iso = (d: Date) => d.toISOString();
const pragueHolidays = officeHours("Europe/Prague", ["2025-01-14"]);

describe("addWorkingDays", () => {
  it.each([
    ["Friday 15:00 + 2 working days is Tuesday 15:00", "2025-01-10T15:00", 2, prague, "2025-01-14T15:00"],
    ["Monday 10:00 + 1 is Tuesday 10:00", "2025-01-13T10:00", 1, prague, "2025-01-14T10:00"],
    ["a holiday is skipped: Monday + 1 over holiday Tuesday is Wednesday", "2025-01-13T10:00", 1, pragueHolidays, "2025-01-15T10:00"],
    ["out of hours (Friday 20:00) lands on the next opening after the target", "2025-01-10T20:00", 1, prague, "2025-01-14T09:00"],
    ["Saturday 11:00 + 1 is Tuesday 11:00 (Monday is the first working day after Saturday)", "2025-01-11T11:00", 2, prague, "2025-01-14T11:00"],
  ] as const)("%s", (_what, start, n, cal, expected) => {
    expect(iso(addWorkingDays(local(start), n, cal))).toBe(iso(local(expected)));
  });

  it("around the clock, a working day is 24 hours", () => {
    expect(iso(addWorkingDays(new Date("2025-01-11T10:00:00Z"), 3, ALWAYS_OPEN))).toBe("2025-01-14T10:00:00.000Z");
  });
});

describe("followUpSchedule and planFollowUps", () => {
  const c = cadence({ reminders: ["2wd", "5wd"], giveUpAfter: "7wd", giveUp: "close" });
  const anchor = local("2025-01-10T15:00"); // a Friday

  it("plans each reminder and the final step from the moment the case started waiting", () => {
    expect(followUpSchedule(anchor, c, prague).map((s) => [s.step, iso(s.at), s.final])).toEqual([
      [0, iso(local("2025-01-14T15:00")), false],
      [1, iso(local("2025-01-17T15:00")), false],
      [2, iso(local("2025-01-21T15:00")), true],
    ]);
  });

  it.each([
    ["waiting, nothing recorded: every step", "WAITING_ON_CUSTOMER", anchor, c, [], [0, 1, 2]],
    ["waiting, first reminder recorded: the rest", "WAITING_ON_CUSTOMER", anchor, c, [0], [1, 2]],
    ["the customer answered (IN_PROGRESS): nothing", "IN_PROGRESS", anchor, c, [], []],
    ["resolved: nothing", "RESOLVED", anchor, c, [], []],
    ["waiting but no cadence configured: nothing", "WAITING_ON_CUSTOMER", anchor, null, [], []],
    ["waiting since unknown: nothing", "WAITING_ON_CUSTOMER", null, c, [], []],
  ] as const)("%s", (_what, status, since, cad, recorded, steps) => {
    expect(planFollowUps({ status, waitingSince: since }, cad, prague, new Set(recorded)).map((s) => s.step)).toEqual(steps);
  });

  it("business minutes count open time only", () => {
    const hours = cadence({ reminders: ["4h"], giveUpAfter: "12h" });
    const steps = followUpSchedule(local("2025-01-10T15:00"), hours, prague);
    // 2 h on Friday, 2 h on Monday; 12 h: 2 Friday + 8 Monday + 2 Tuesday.
    expect(steps.map((s) => iso(s.at))).toEqual([iso(local("2025-01-13T11:00")), iso(local("2025-01-14T11:00"))]);
    expect(hours.giveUp).toBe("resolve");
  });
});

describe("decideFollowUp", () => {
  const anchor = new Date("2025-01-10T10:00:00Z");
  const at = new Date("2025-01-12T10:00:00Z");
  const job = { anchorAt: anchor, at };
  it.each([
    ["due and still waiting since the anchor: fire", "WAITING_ON_CUSTOMER", anchor, true, at, { act: "fire" }],
    ["later than due: fire (a lost job re-added late)", "WAITING_ON_CUSTOMER", anchor, true, new Date(at.getTime() + 86_400_000), { act: "fire" }],
    ["before its instant: wait", "WAITING_ON_CUSTOMER", anchor, true, new Date(at.getTime() - 1), { act: "wait", until: at }],
    ["the customer answered: released", "IN_PROGRESS", anchor, true, at, { act: "skip", reason: "released" }],
    ["waiting again since later: a stale job of the old cadence", "WAITING_ON_CUSTOMER", new Date(anchor.getTime() + 1000), true, at, { act: "skip", reason: "stale" }],
    ["the cadence was removed from the configuration", "WAITING_ON_CUSTOMER", anchor, false, at, { act: "skip", reason: "no-cadence" }],
  ] as const)("%s", (_what, status, since, has, now, expected) => {
    expect(decideFollowUp({ status, waitingSince: since }, has, job, now)).toEqual(expected);
  });

  it("maps the give-up action to a status", () => {
    expect([giveUpStatus("resolve"), giveUpStatus("close"), giveUpStatus("notify-owner")]).toEqual(["RESOLVED", "CLOSED", null]);
  });
});

describe("nudges", () => {
  const last = local("2025-01-10T15:00");
  const after = { unit: "minutes", n: 240 } as const;
  it.each([
    ["owned and in progress: due 4 business hours later", "IN_PROGRESS", 3, after, iso(local("2025-01-13T11:00"))],
    ["new and owned: due", "NEW", 3, after, iso(local("2025-01-13T11:00"))],
    ["no owner: nobody to nudge", "IN_PROGRESS", null, after, null],
    ["waiting on the customer: not the agent's turn", "WAITING_ON_CUSTOMER", 3, after, null],
    ["resolved: nothing", "RESOLVED", 3, after, null],
    ["not configured: nothing", "IN_PROGRESS", 3, undefined, null],
  ] as const)("%s", (_what, status, ownerId, off, expected) => {
    const due = nudgeDue({ status, ownerId, lastAgentActionAt: last }, off, prague);
    expect(due === null ? null : iso(due)).toBe(expected);
  });

  it("a later agent action makes an older nudge job stale; an early one waits", () => {
    const at = local("2025-01-13T11:00");
    const state = { status: "IN_PROGRESS" as const, ownerId: 3, lastAgentActionAt: last };
    expect(decideNudge(state, after, { anchorAt: last, at }, at)).toEqual({ act: "fire" });
    expect(decideNudge({ ...state, lastAgentActionAt: new Date(last.getTime() + 1) }, after, { anchorAt: last, at }, at)).toEqual({ act: "skip", reason: "stale" });
    expect(decideNudge(state, after, { anchorAt: last, at }, new Date(at.getTime() - 5))).toEqual({ act: "wait", until: at });
  });
});

describe("follow-up configuration", () => {
  it.each([
    [{ reminders: ["2wd", "5wd"], giveUpAfter: "4wd" }, "giveUpAfter: must be later than the reminder before it"],
    [{ reminders: ["5wd", "2wd"], giveUpAfter: "9wd" }, "reminders.1: must be later than the reminder before it"],
    [{ reminders: ["2wd"], giveUpAfter: "8h" }, "giveUpAfter: use one unit"],
    [{ reminders: ["2 weeks"], giveUpAfter: "3wd" }, 'reminders.0: "2 weeks" is not a business-time offset'],
    [{ reminders: [], giveUpAfter: "3wd" }, "reminders: name at least one reminder offset"],
    [{ reminders: ["1wd"], giveUpAfter: "3wd", giveUp: "delete" }, "giveUp:"],
  ])("refuses %j naming the field", (followUp, message) => {
    const doc = {
      settings: { defaultArea: "helpdesk" },
      areas: [{ key: "helpdesk", name: "Helpdesk" }],
      mailboxes: [{ key: "support", address: "support@helpdesk.test", name: "Support", imap: { host: "h", port: 1, user: "u", password: "p" } }],
      customerGroups: [{ key: "vip", name: "VIP", followUp }],
    };
    let error: unknown;
    try {
      parseHelpdeskConfig(doc);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(HelpdeskConfigError);
    expect((error as HelpdeskConfigError).issues.join("\n")).toContain(`customerGroups.0.followUp.${message}`);
  });
});

describe("which cadence applies", () => {
  const stored = (n: number) => ({ reminders: [{ unit: "working-days", n }], giveUpAfter: { unit: "working-days", n: n + 1 }, giveUp: "resolve" });
  const row = (group: unknown, contract: unknown): AutomationCaseRow => ({
    id: 1,
    status: "WAITING_ON_CUSTOMER",
    ownerId: null,
    createdAt: new Date(0),
    resolvedAt: null,
    closedAt: null,
    mergedIntoId: null,
    group: group === undefined ? null : { key: "vip", followUp: group as never },
    slaContract: contract === undefined ? null : { key: "gold", followUp: contract as never, calendar: null },
  });
  it.each([
    ["the group's wins over the contract's", stored(1), stored(2), 1],
    ["the contract's when the group names none", null, stored(2), 2],
    ["the contract's when the case has no group", undefined, stored(2), 2],
    ["none when neither names one", null, null, null],
  ] as const)("%s", (_what, group, contract, n) => {
    expect(cadenceOf(row(group, contract))?.reminders[0]?.n ?? null).toBe(n);
  });

  it("refuses a malformed stored cadence, naming where it is", () => {
    expect(() => cadenceOf(row({ reminders: "2wd" }, null))).toThrow("customerGroups[vip].followUp is malformed");
  });
});

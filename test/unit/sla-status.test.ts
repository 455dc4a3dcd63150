import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { slaJobId } from "../../src/pipeline/sla/sla.job.ts";
import { ALWAYS_OPEN } from "../../src/sla/calendar.ts";
import { classifySla, decideSlaJob, escalationRecipients, nearestSlaJobs, planSlaJobs, slaEventKey, warningInstant, type EscalationAgent, type PlannedSlaJob, type SlaCaseState, type SlaWatchContext } from "../../src/sla/sla-status.ts";
import { local, MIN, prague } from "../support/calendars.ts";

const T = new Date("2025-03-03T09:00:00Z");
const at = (minutes: number) => new Date(T.getTime() + minutes * MIN);

function state(over: Partial<SlaCaseState> = {}): SlaCaseState {
  return {
    status: "ASSIGNED",
    openedAt: T,
    firstRespondedAt: null,
    firstResponseDueAt: at(60),
    nextResponseDueAt: null,
    resolutionDueAt: at(480),
    awaitingSince: null,
    paused: false,
    ...over,
  };
}
const ctx = (over: Partial<SlaWatchContext> = {}): SlaWatchContext => ({ warningShare: 0.8, calendar: ALWAYS_OPEN, pauses: [], recorded: new Set(), ...over });
const iso = (d: Date) => d.toISOString();

describe("planSlaJobs", () => {
  it("watches every due, unmet metric with a warning at the share and a breach at the due instant", () => {
    const jobs = planSlaJobs(state(), ctx());
    expect(jobs.map((j) => [j.metric, j.kind, iso(j.at), iso(j.dueAt)])).toEqual([
      ["FIRST_RESPONSE", "WARNING", iso(at(48)), iso(at(60))],
      ["FIRST_RESPONSE", "BREACH", iso(at(60)), iso(at(60))],
      ["RESOLUTION", "WARNING", iso(at(384)), iso(at(480))],
      ["RESOLUTION", "BREACH", iso(at(480)), iso(at(480))],
    ]);
  });

  it("measures the next-response warning from the customer post awaiting an answer", () => {
    const s = state({ firstRespondedAt: at(10), firstResponseDueAt: at(60), awaitingSince: at(100), nextResponseDueAt: at(200) });
    const jobs = planSlaJobs(s, ctx({ warningShare: 0.5 }));
    expect(jobs.filter((j) => j.metric === "NEXT_RESPONSE").map((j) => [j.kind, iso(j.at)])).toEqual([
      ["WARNING", iso(at(150))],
      ["BREACH", iso(at(200))],
    ]);
    // First response was given: nothing watches it any more.
    expect(jobs.some((j) => j.metric === "FIRST_RESPONSE")).toBe(false);
  });

  it("warns in business time: a Friday-afternoon case is warned on Monday, not over the weekend", () => {
    const opened = local("2025-01-10T16:00");
    const due = local("2025-01-13T12:00"); // 4 business hours: 1 h on Friday, 3 h on Monday
    const jobs = planSlaJobs(state({ openedAt: opened, firstResponseDueAt: due, resolutionDueAt: null }), ctx({ calendar: prague }));
    // 80 % of 240 min = 192 min: 60 on Friday, 132 on Monday from 09:00.
    expect(jobs.map((j) => [j.kind, iso(j.at)])).toEqual([
      ["WARNING", iso(local("2025-01-13T11:12"))],
      ["BREACH", iso(due)],
    ]);
  });

  it("plans nothing for a paused, resolved or closed case, and nothing already recorded", () => {
    expect(planSlaJobs(state({ paused: true }), ctx())).toEqual([]);
    expect(planSlaJobs(state({ status: "RESOLVED" }), ctx())).toEqual([]);
    expect(planSlaJobs(state({ status: "CLOSED" }), ctx())).toEqual([]);
    const recorded = new Set([slaEventKey("FIRST_RESPONSE", "WARNING", at(60)), slaEventKey("RESOLUTION", "BREACH", at(480))]);
    expect(planSlaJobs(state(), ctx({ recorded })).map((j) => `${j.metric}/${j.kind}`)).toEqual(["FIRST_RESPONSE/BREACH", "RESOLUTION/WARNING"]);
  });

  it("a due time recorded for an older due instant does not hide the new one", () => {
    const recorded = new Set([slaEventKey("FIRST_RESPONSE", "BREACH", at(120))]);
    expect(planSlaJobs(state(), ctx({ recorded })).filter((j) => j.metric === "FIRST_RESPONSE")).toHaveLength(2);
  });
});

describe("nearestSlaJobs", () => {
  const job = (metric: PlannedSlaJob["metric"], kind: PlannedSlaJob["kind"], atMin: number, dueMin = atMin): PlannedSlaJob => ({ metric, kind, at: at(atMin), dueAt: at(dueMin) });
  const key = (j: PlannedSlaJob) => `${j.metric}/${j.kind}@${(j.at.getTime() - T.getTime()) / MIN}`;
  const rows: Array<{ name: string; planned: PlannedSlaJob[]; want: string[] }> = [
    { name: "nothing planned", planned: [], want: [] },
    { name: "a single job", planned: [job("RESOLUTION", "BREACH", 480)], want: ["RESOLUTION/BREACH@480"] },
    {
      name: "the earliest of a full plan",
      planned: [job("FIRST_RESPONSE", "WARNING", 48, 60), job("FIRST_RESPONSE", "BREACH", 60), job("RESOLUTION", "WARNING", 384, 480), job("RESOLUTION", "BREACH", 480)],
      want: ["FIRST_RESPONSE/WARNING@48"],
    },
    { name: "the earliest wherever it stands in the list", planned: [job("RESOLUTION", "BREACH", 480), job("NEXT_RESPONSE", "BREACH", 30), job("FIRST_RESPONSE", "BREACH", 60)], want: ["NEXT_RESPONSE/BREACH@30"] },
    { name: "a warning that falls on its breach: both", planned: [job("FIRST_RESPONSE", "WARNING", 60), job("FIRST_RESPONSE", "BREACH", 60), job("RESOLUTION", "BREACH", 480)], want: ["FIRST_RESPONSE/WARNING@60", "FIRST_RESPONSE/BREACH@60"] },
    { name: "two metrics due at the same instant: both", planned: [job("FIRST_RESPONSE", "BREACH", 60), job("RESOLUTION", "WARNING", 60, 75), job("RESOLUTION", "BREACH", 75)], want: ["FIRST_RESPONSE/BREACH@60", "RESOLUTION/WARNING@60"] },
    { name: "instants in the past (jobs lost, re-planned late): the oldest first", planned: [job("FIRST_RESPONSE", "BREACH", -5), job("FIRST_RESPONSE", "WARNING", -10, -5)], want: ["FIRST_RESPONSE/WARNING@-10"] },
  ];
  it.each(rows)("$name", ({ planned, want }) => {
    expect(nearestSlaJobs(planned).map(key)).toEqual(want);
  });

  it("covers the whole plan in order when each pick is taken out of it in turn", () => {
    let rest = planSlaJobs(state({ nextResponseDueAt: at(200), awaitingSince: at(100), firstRespondedAt: null }), ctx());
    const order: string[] = [];
    while (rest.length > 0) {
      const next = nearestSlaJobs(rest);
      order.push(...next.map(key));
      rest = rest.filter((j) => !next.includes(j));
    }
    expect(order).toEqual(["FIRST_RESPONSE/WARNING@48", "FIRST_RESPONSE/BREACH@60", "NEXT_RESPONSE/WARNING@180", "NEXT_RESPONSE/BREACH@200", "RESOLUTION/WARNING@384", "RESOLUTION/BREACH@480"]);
  });
});

describe("warningInstant", () => {
  it("lies between the clock start and the due time, at the share of the time between them (24×7)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (minutes, share) => {
        const due = at(minutes);
        const w = warningInstant(T, due, share, ALWAYS_OPEN, [])!;
        expect(w.getTime()).toBeGreaterThanOrEqual(T.getTime());
        expect(w.getTime()).toBeLessThanOrEqual(due.getTime());
        expect(Math.abs(w.getTime() - (T.getTime() + share * minutes * MIN))).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("is null without a clock start", () => {
    expect(warningInstant(null, at(60), 0.8, ALWAYS_OPEN, [])).toBeNull();
  });

  it("counts only running time: paused minutes push the warning out", () => {
    // 60 min due, a closed 30 min pause from minute 10: due is 90 after the start, the warning 48 running minutes in.
    expect(iso(warningInstant(T, at(90), 0.8, ALWAYS_OPEN, [{ start: at(10), end: at(40) }])!)).toBe(iso(at(78)));
    // A pause still open: only the running time before it counts, so the warning never lands inside it.
    expect(iso(warningInstant(T, at(60), 0.8, ALWAYS_OPEN, [{ start: at(10), end: null }])!)).toBe(iso(at(8)));
  });

  it("never comes after the due time, even for a due time before the clock start", () => {
    expect(iso(warningInstant(at(30), at(10), 0.8, ALWAYS_OPEN, [])!)).toBe(iso(at(10)));
  });
});

describe("decideSlaJob", () => {
  const job = { metric: "FIRST_RESPONSE" as const, kind: "BREACH" as const, dueAt: at(60), at: at(60) };

  it("fires at the exact instant, not a millisecond before", () => {
    expect(decideSlaJob(state(), job, at(60))).toEqual({ act: "fire" });
    expect(decideSlaJob(state(), job, new Date(at(60).getTime() - 1))).toEqual({ act: "wait", until: at(60) });
    expect(decideSlaJob(state(), job, at(61))).toEqual({ act: "fire" });
  });

  it("is a no-op for a due time the case no longer has (rescheduled after a change)", () => {
    expect(decideSlaJob(state({ firstResponseDueAt: at(30) }), job, at(60))).toEqual({ act: "skip", reason: "stale" });
    expect(decideSlaJob(state({ firstResponseDueAt: null }), job, at(60))).toEqual({ act: "skip", reason: "stale" });
  });

  it("is a no-op once the metric is met or the case is done", () => {
    expect(decideSlaJob(state({ firstRespondedAt: at(59) }), job, at(60))).toEqual({ act: "skip", reason: "met" });
    expect(decideSlaJob(state({ status: "RESOLVED" }), { ...job, metric: "RESOLUTION", dueAt: at(480), at: at(480) }, at(480))).toEqual({ act: "skip", reason: "met" });
    const next = { metric: "NEXT_RESPONSE" as const, kind: "BREACH" as const, dueAt: at(200), at: at(200) };
    // The customer's post was answered: nobody is waiting.
    expect(decideSlaJob(state({ firstRespondedAt: at(5), nextResponseDueAt: at(200), awaitingSince: null }), next, at(200))).toEqual({ act: "skip", reason: "met" });
    expect(decideSlaJob(state({ firstRespondedAt: at(5), nextResponseDueAt: at(200), awaitingSince: at(100) }), next, at(200))).toEqual({ act: "fire" });
  });

  it("is a no-op while the clock stands still", () => {
    expect(decideSlaJob(state({ paused: true }), job, at(60))).toEqual({ act: "skip", reason: "paused" });
  });
});

describe("classifySla", () => {
  const warn = { FIRST_RESPONSE: at(48), RESOLUTION: at(384) };

  it("is ok before the warning, at risk from the warning instant, breached from the due instant", () => {
    const standing = (now: Date) => classifySla(state(), warn, now).find((s) => s.metric === "FIRST_RESPONSE")!.standing;
    expect(standing(at(47))).toBe("ok");
    expect(standing(at(48))).toBe("at-risk");
    expect(standing(new Date(at(60).getTime() - 1))).toBe("at-risk");
    expect(standing(at(60))).toBe("breached");
  });

  it("says how late (or how much is left) and leaves met metrics out", () => {
    const rows = classifySla(state({ firstRespondedAt: at(5) }), warn, at(500));
    expect(rows.map((r) => [r.metric, r.standing, r.lateMs])).toEqual([["RESOLUTION", "breached", 20 * MIN]]);
    expect(classifySla(state({ status: "CLOSED" }), warn, at(500))).toEqual([]);
  });

  it("only ever moves forward (ok → at risk → breached) as time passes", () => {
    const order = { ok: 0, "at-risk": 1, breached: 2 } as const;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 20_000 }), (target, share, a, b) => {
        const s = state({ firstResponseDueAt: at(target), resolutionDueAt: null });
        const w = { FIRST_RESPONSE: warningInstant(T, at(target), share, ALWAYS_OPEN, []) };
        const [early, late] = a <= b ? [a, b] : [b, a];
        expect(order[classifySla(s, w, at(early))[0]!.standing]).toBeLessThanOrEqual(order[classifySla(s, w, at(late))[0]!.standing]);
      }),
    );
  });
});

describe("escalationRecipients", () => {
  const agent = (id: number, email: string, over: Partial<EscalationAgent> = {}): EscalationAgent => ({ id, name: `A${id}`, email, aliases: [], locale: "en", active: true, ...over });
  const alice = agent(1, "alice@helpdesk.test", { aliases: ["a.novak@helpdesk.test"] });
  const bob = agent(2, "bob@helpdesk.test", { locale: "pl" });
  const gone = agent(3, "gone@helpdesk.test", { active: false });
  const agents = [alice, bob, gone];
  const who = (r: ReturnType<typeof escalationRecipients>) => r.map((x) => `${x.reason}:${x.to === "agent" ? x.agent.email : x.address}`);

  it("sends a breach to the owner, the team lead and the contract's recipients", () => {
    expect(who(escalationRecipients("BREACH", { owner: alice, teamLead: bob, escalateTo: ["boss@acme.test"], agents }))).toEqual([
      "owner:alice@helpdesk.test",
      "team-lead:bob@helpdesk.test",
      "escalate-to:boss@acme.test",
    ]);
  });

  it("mails every address once: an owner who leads the team or is listed (even by alias, in capitals) is mailed as the owner", () => {
    const r = escalationRecipients("BREACH", { owner: alice, teamLead: alice, escalateTo: ["A.Novak@helpdesk.test", "alice@helpdesk.test", "boss@acme.test", "BOSS@acme.test"], agents });
    expect(who(r)).toEqual(["owner:alice@helpdesk.test", "escalate-to:boss@acme.test"]);
  });

  it("treats a listed agent's address as that agent (locale, reply address) and skips inactive agents", () => {
    const r = escalationRecipients("BREACH", { owner: gone, teamLead: null, escalateTo: ["bob@helpdesk.test", "gone@helpdesk.test"], agents });
    expect(r).toEqual([{ to: "agent", agent: bob, reason: "escalate-to" }]);
  });

  it("warns only whoever can still act: the owner, else the lead, else the listed recipients", () => {
    expect(who(escalationRecipients("WARNING", { owner: alice, teamLead: bob, escalateTo: ["boss@acme.test"], agents }))).toEqual(["owner:alice@helpdesk.test"]);
    expect(who(escalationRecipients("WARNING", { owner: null, teamLead: bob, escalateTo: ["boss@acme.test"], agents }))).toEqual(["team-lead:bob@helpdesk.test"]);
    expect(who(escalationRecipients("WARNING", { owner: gone, teamLead: null, escalateTo: ["boss@acme.test"], agents }))).toEqual(["escalate-to:boss@acme.test"]);
    expect(escalationRecipients("WARNING", { owner: null, teamLead: null, escalateTo: [], agents })).toEqual([]);
  });
});

describe("slaJobId", () => {
  it("is deterministic, has no ':' (BullMQ reserves it) and differs for every case, metric, kind and due instant", () => {
    const metric = fc.constantFrom("FIRST_RESPONSE" as const, "NEXT_RESPONSE" as const, "RESOLUTION" as const);
    const kind = fc.constantFrom("WARNING" as const, "BREACH" as const);
    const job = fc.record({ caseId: fc.integer({ min: 1, max: 1e9 }), metric, kind, dueAt: fc.integer({ min: 0, max: 4e12 }) });
    fc.assert(
      fc.property(job, job, (a, b) => {
        expect(slaJobId(a)).not.toContain(":");
        expect(slaJobId(a)).toBe(slaJobId({ ...a }));
        const same = a.caseId === b.caseId && a.metric === b.metric && a.kind === b.kind && a.dueAt === b.dueAt;
        expect(slaJobId(a) === slaJobId(b)).toBe(same);
      }),
    );
  });
});

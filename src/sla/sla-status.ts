/**
 * Where a case stands against its SLA targets, which delayed jobs watch it, what such a job does when it
 * fires, and who hears of a warning or a breach. Pure: the watch service (sla-watch.service.ts) loads the
 * case, asks here, and writes the answer; `mailcase sla` classifies with the same rule, so the CLI and the
 * escalation mails can never disagree about what "at risk" or "breached" means.
 */
import { ClockStoppedError, type BusinessCalendar, type Interval } from "./calendar.ts";
import { warningAt } from "./sla-clock.ts";
import { type CaseStatus, SLA_METRICS, type SlaEventKind, type SlaMetric } from "../kernel/domain-types.ts";


/** What the rules need to know about a case, as stored. */
export interface SlaCaseState {
  status: CaseStatus;
  /** Start of the first-response and resolution clocks. */
  openedAt: Date;
  firstRespondedAt: Date | null;
  firstResponseDueAt: Date | null;
  nextResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
  /** The oldest customer post still awaiting a public agent answer (start of the next-response clock); null: none. */
  awaitingSince: Date | null;
  /** The clock stands still now: an open pause, or a status the settings pause in. */
  paused: boolean;
}

export function dueAtOf(state: SlaCaseState, metric: SlaMetric): Date | null {
  return metric === "FIRST_RESPONSE" ? state.firstResponseDueAt : metric === "NEXT_RESPONSE" ? state.nextResponseDueAt : state.resolutionDueAt;
}

/** Where the metric's clock started, which the warning share is measured from. */
export function clockStartOf(state: SlaCaseState, metric: SlaMetric): Date | null {
  return metric === "NEXT_RESPONSE" ? state.awaitingSince : state.openedAt;
}

const isDone = (status: CaseStatus) => status === "RESOLVED" || status === "CLOSED";

/**
 * Whether nothing can breach any more for this metric. A resolved or closed case counts as met for every
 * metric: whatever was late is history (the stored due times keep it for reports), and nobody should be
 * woken up about a case that is done.
 */
export function isMetricMet(state: SlaCaseState, metric: SlaMetric): boolean {
  if (isDone(state.status)) return true;
  switch (metric) {
    case "FIRST_RESPONSE":
      return state.firstRespondedAt !== null;
    case "NEXT_RESPONSE":
      return state.awaitingSince === null;
    case "RESOLUTION":
      return false;
  }
}

/**
 * The warning instant for a target, or null when none can be given (no clock start, or a stopped clock).
 * Measured in business time, like the target itself (sla-clock.ts warningAt).
 */
export function warningInstant(start: Date | null, due: Date, share: number, calendar: BusinessCalendar, pauses: readonly Interval[]): Date | null {
  if (start === null) return null;
  try {
    const at = warningAt(start, due, share, calendar, pauses);
    // A due time already in the past at the clock start (a target shortened after the fact) warns with the breach.
    return at.getTime() > due.getTime() ? due : at;
  } catch (err) {
    if (err instanceof ClockStoppedError) return null;
    throw err;
  }
}

export interface SlaWatchContext {
  warningShare: number;
  calendar: BusinessCalendar;
  pauses: readonly Interval[];
  /** Events already recorded, as `slaEventKey` strings: their jobs need not run again. */
  recorded: ReadonlySet<string>;
}

/** The identity of one warning or breach: the SlaEvent unique key, and (with the case id) the job id. */
export function slaEventKey(metric: SlaMetric, kind: SlaEventKind, dueAt: Date): string {
  return `${metric}/${kind}/${dueAt.getTime()}`;
}

export interface PlannedSlaJob {
  metric: SlaMetric;
  kind: SlaEventKind;
  /** The due time the job watches; when the stored one differs at firing time, the job is stale. */
  dueAt: Date;
  /** When it fires: the warning instant, or the due instant itself. */
  at: Date;
}

/**
 * The delayed jobs that watch a case: per metric with a due time that is not met, a WARNING at the warning
 * share and a BREACH at the due instant, minus events already recorded. A paused case gets none: nothing can
 * become late while the clock stands still, and ending the pause recomputes and schedules again.
 */
export function planSlaJobs(state: SlaCaseState, ctx: SlaWatchContext): PlannedSlaJob[] {
  if (state.paused) return [];
  const out: PlannedSlaJob[] = [];
  for (const metric of SLA_METRICS) {
    const dueAt = dueAtOf(state, metric);
    if (dueAt === null || isMetricMet(state, metric)) continue;
    const warnAt = warningInstant(clockStartOf(state, metric), dueAt, ctx.warningShare, ctx.calendar, ctx.pauses);
    if (warnAt !== null && !ctx.recorded.has(slaEventKey(metric, "WARNING", dueAt))) out.push({ metric, kind: "WARNING", dueAt, at: warnAt });
    if (!ctx.recorded.has(slaEventKey(metric, "BREACH", dueAt))) out.push({ metric, kind: "BREACH", dueAt, at: dueAt });
  }
  return out;
}

/**
 * What to put in the queue now: the planned job(s) with the earliest `at`, all of them when several share
 * that instant (a warning that falls on its breach, two metrics due together). One delayed job per case
 * instead of up to six: when it has run (recorded, or skipped as met, stale or paused), the watch plans the
 * case again and adds the next one, and every change re-plans too, so each instant is still covered in turn.
 */
export function nearestSlaJobs(planned: readonly PlannedSlaJob[]): PlannedSlaJob[] {
  let earliest = Infinity;
  for (const j of planned) earliest = Math.min(earliest, j.at.getTime());
  return planned.filter((j) => j.at.getTime() === earliest);
}

export type SlaJobDecision =
  | { act: "fire" }
  /** The job ran before its instant (clock skew, a manual promote): run it again then. */
  | { act: "wait"; until: Date }
  | { act: "skip"; reason: "stale" | "met" | "paused" };

/**
 * What a delayed job does when it runs. Stale first: a job for a due time the case no longer has was
 * replaced by the jobs scheduled with the change, so it must not speak for the case. Then met (nothing can
 * be late), then paused (the clock stands still; ending the pause schedules again), then too early.
 */
export function decideSlaJob(state: SlaCaseState, job: PlannedSlaJob, now: Date): SlaJobDecision {
  const stored = dueAtOf(state, job.metric);
  if (stored === null || stored.getTime() !== job.dueAt.getTime()) return { act: "skip", reason: "stale" };
  if (isMetricMet(state, job.metric)) return { act: "skip", reason: "met" };
  if (state.paused) return { act: "skip", reason: "paused" };
  if (now.getTime() < job.at.getTime()) return { act: "wait", until: job.at };
  return { act: "fire" };
}

export type SlaStandingKind = "ok" | "at-risk" | "breached";

export interface SlaStanding {
  metric: SlaMetric;
  standing: SlaStandingKind;
  dueAt: Date;
  warnAt: Date | null;
  /** now − due in ms: positive is how late, negative how much time is left. */
  lateMs: number;
}

/**
 * Per metric that is due and not met: breached once the due instant has come (the breach job fires at that
 * very instant, hence `>=`), at risk once the warning instant has come, ok before. `warnAt` is what
 * `warningInstant` gave for the metric.
 */
export function classifySla(state: SlaCaseState, warnAt: Partial<Record<SlaMetric, Date | null>>, now: Date): SlaStanding[] {
  const out: SlaStanding[] = [];
  for (const metric of SLA_METRICS) {
    const dueAt = dueAtOf(state, metric);
    if (dueAt === null || isMetricMet(state, metric)) continue;
    const warn = warnAt[metric] ?? null;
    const t = now.getTime();
    const standing: SlaStandingKind = t >= dueAt.getTime() ? "breached" : warn !== null && t >= warn.getTime() ? "at-risk" : "ok";
    out.push({ metric, standing, dueAt, warnAt: warn, lateMs: t - dueAt.getTime() });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Who hears of it
// ---------------------------------------------------------------------------------------------------

export interface EscalationAgent {
  id: number;
  name: string;
  email: string;
  aliases: readonly string[];
  locale: string;
  active: boolean;
}

export type EscalationRecipient =
  | { to: "agent"; agent: EscalationAgent; reason: "owner" | "team-lead" | "escalate-to" }
  | { to: "address"; address: string; reason: "escalate-to" };

export interface EscalationInput {
  owner: EscalationAgent | null;
  teamLead: EscalationAgent | null;
  /** The contract's extra recipients. */
  escalateTo: readonly string[];
  /** Every agent, so an escalateTo address that is an agent's gets that agent's locale and reply address. */
  agents: readonly EscalationAgent[];
}

/**
 * A warning is a heads-up to whoever can still act: the owner, else the team lead, else the configured
 * recipients (somebody must hear of an unowned case). A breach goes to all of them. Every address gets one
 * mail (an owner who leads the team, or is listed in escalateTo, is mailed once, as the owner); inactive
 * agents get none.
 */
export function escalationRecipients(kind: SlaEventKind, input: EscalationInput): EscalationRecipient[] {
  const out: EscalationRecipient[] = [];
  const seen = new Set<string>();
  const addAgent = (agent: EscalationAgent | null, reason: "owner" | "team-lead" | "escalate-to"): void => {
    if (!agent || !agent.active) return;
    const key = agent.email.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    for (const a of agent.aliases) seen.add(a.toLowerCase());
    out.push({ to: "agent", agent, reason });
  };
  const addExtra = (): void => {
    for (const raw of input.escalateTo) {
      const address = raw.trim().toLowerCase();
      if (address === "" || seen.has(address)) continue;
      const agent = input.agents.find((a) => a.email.toLowerCase() === address || a.aliases.some((x) => x.toLowerCase() === address));
      if (agent) {
        // An inactive agent's address is not mailed through the back door of the contract.
        if (agent.active) addAgent(agent, "escalate-to");
        else seen.add(address);
        continue;
      }
      seen.add(address);
      out.push({ to: "address", address, reason: "escalate-to" });
    }
  };
  addAgent(input.owner, "owner");
  if (kind === "WARNING" && out.length > 0) return out;
  addAgent(input.teamLead, "team-lead");
  if (kind === "WARNING" && out.length > 0) return out;
  addExtra();
  return out;
}

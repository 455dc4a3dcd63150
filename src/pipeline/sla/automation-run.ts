/**
 * Runs one fired automation job: a follow-up step or a nudge (here), or the resolution mail
 * (notify/resolution.service.ts). Each re-loads the case in a transaction with its row locked, asks the pure
 * rule (automation-plan.ts) whether the job still speaks for the case's state, records the step
 * (`CaseReminder`, unique per case, kind, anchor and step: a second run records and mails nothing), writes
 * the mails and the audit event, all together; sending happens after the commit.
 */
import { DateTime } from "luxon";
import type { Deps } from "../../kernel/deps.ts";
import { recordEvents } from "../../case/case-events.ts";
import { changeCase } from "../../case/case-change.ts";
import { writeOutbound, type OutboundDraft } from "../../case/outbox.ts";
import { readAutomation } from "../../config/automation-config.ts";
import { calendarOf } from "../../sla/sla.service.ts";
import { enqueueSend } from "../send/send.job.ts";
import { agentDraft, customerDraft, loadCaseMailContext } from "../notify/case-mail.ts";
import { processResolutionMail } from "../notify/resolution.service.ts";
import { decideFollowUp, decideNudge, giveUpStatus } from "./automation-plan.ts";
import { automationCaseSelect, cadenceOf, lastAgentActionAt, waitingSince } from "./automation-schedule.ts";
import type { AutomationPayload } from "./automation.job.ts";
import { scheduleSla } from "./sla-watch.service.ts";

export type AutomationOutcome =
  | { kind: "missing" }
  | { kind: "skipped"; reason: string }
  | { kind: "early"; until: Date }
  | { kind: "already-recorded" }
  | { kind: "recorded"; step: string; mails: number };

type Result = { outcome: AutomationOutcome; send: number[]; changed: boolean };

/** The solution stored when a cadence resolves a case that has none (the status rules require one). */
export const GAVE_UP_SOLUTION = "Resolved automatically: the customer did not answer the follow-up reminders.";

export async function processAutomation(deps: Deps, p: AutomationPayload): Promise<AutomationOutcome> {
  if (p.kind === "resolution") return processResolutionMail(deps, p);
  const result = await deps.db.$transaction(
    async (tx): Promise<Result> => {
      // Row lock: a status change committing between our read and our insert would otherwise let this job
      // speak for a state the case no longer has (changeCase updates the row, so one waits for the other).
      const locked = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM "Case" WHERE id = ${p.caseId} FOR UPDATE`;
      if (locked.length === 0) return { outcome: { kind: "missing" }, send: [], changed: false };
      const now = deps.clock.now();
      const c = await tx.case.findUniqueOrThrow({ where: { id: p.caseId }, select: { ...automationCaseSelect, solution: true } });
      const zone = calendarOf(c.slaContract?.calendar ?? null).timeZone;
      const fmt = (d: Date) => `${DateTime.fromJSDate(d, { zone }).toFormat("yyyy-MM-dd HH:mm")} ${zone}`;
      const job = { anchorAt: new Date(p.anchorAt), at: new Date(p.at) };
      const skip = (d: { act: "skip"; reason: string } | { act: "wait"; until: Date }): Result =>
        d.act === "wait" ? { outcome: { kind: "early", until: d.until }, send: [], changed: false } : { outcome: { kind: "skipped", reason: d.reason }, send: [], changed: false };

      if (p.kind === "nudge") {
        const settings = await tx.settings.findUniqueOrThrow({ where: { id: 1 }, select: { automation: true } });
        const state = { status: c.status, ownerId: c.ownerId, lastAgentActionAt: await lastAgentActionAt(tx, c) };
        const d = decideNudge(state, readAutomation(settings.automation).nudgeOwnerAfter, job, now);
        if (d.act !== "fire") return skip(d);
        const inserted = await tx.caseReminder.createMany({ data: [{ caseId: c.id, kind: "nudge", anchorAt: job.anchorAt, step: 0, createdAt: now }], skipDuplicates: true });
        if (inserted.count === 0) return { outcome: { kind: "already-recorded" }, send: [], changed: false };
        const ctx = await loadCaseMailContext(tx, c.id);
        const drafts = ctx.owner ? [agentDraft(deps, ctx, ctx.owner, "agent-reminder", `nu${p.anchorAt}`, reminderView({ nudge: true, since: fmt(job.anchorAt) }))] : [];
        const { pending } = await writeOutbound(tx, drafts);
        await recordEvents(tx, c.id, [{ type: "nudge.sent", data: { since: job.anchorAt.toISOString(), at: now.toISOString(), recipients: drafts.map((d) => d.to.address) } }], now);
        return { outcome: { kind: "recorded", step: "nudge", mails: drafts.length }, send: pending.map((r) => r.id), changed: false };
      }

      const cadence = cadenceOf(c);
      const d = decideFollowUp({ status: c.status, waitingSince: await waitingSince(tx, c.id) }, cadence !== null, job, now);
      if (d.act !== "fire" || cadence === null) return skip(d.act === "fire" ? { act: "skip", reason: "no-cadence" } : d);
      // The configuration changed under the job (fewer reminders now): the job's step no longer exists.
      if (p.step > cadence.reminders.length) return { outcome: { kind: "skipped", reason: "stale" }, send: [], changed: false };
      const inserted = await tx.caseReminder.createMany({ data: [{ caseId: c.id, kind: "follow-up", anchorAt: job.anchorAt, step: p.step, createdAt: now }], skipDuplicates: true });
      if (inserted.count === 0) return { outcome: { kind: "already-recorded" }, send: [], changed: false };
      const ctx = await loadCaseMailContext(tx, c.id);
      const key = `fu${p.anchorAt}s${p.step}`;
      const since = fmt(job.anchorAt);
      const drafts: OutboundDraft[] = [];

      if (p.step < cadence.reminders.length) {
        for (const r of ctx.requesters) drafts.push(customerDraft(deps, ctx, r, "follow-up", key, { final: false, closed: false, reminder: p.step + 1, since }));
        const { pending } = await writeOutbound(tx, drafts);
        await recordEvents(tx, c.id, [{ type: "followup.reminded", data: { waitingSince: job.anchorAt.toISOString(), step: p.step, at: now.toISOString(), recipients: drafts.map((x) => x.to.address) } }], now);
        return { outcome: { kind: "recorded", step: `reminder-${p.step + 1}`, mails: drafts.length }, send: pending.map((r) => r.id), changed: false };
      }

      // The last reminder went unanswered.
      let status = giveUpStatus(cadence.giveUp);
      let refused: string | null = null;
      if (status !== null) {
        const changed = await changeCase(tx, c.id, { status, ...(c.solution ? {} : { solution: GAVE_UP_SOLUTION }) }, { by: "system", now });
        if (!changed.ok) {
          // The status rules refused (e.g. a stricter flow for this case type): the owner decides instead.
          refused = changed.reason;
          status = null;
        } else {
          for (const r of ctx.requesters) drafts.push(customerDraft(deps, ctx, r, "follow-up", key, { final: true, closed: status === "CLOSED", reminder: p.step, since }));
          // This notice is the customer's resolution mail: the resolution job of this instant sends nothing more.
          await tx.caseReminder.createMany({ data: [{ caseId: c.id, kind: "resolution", anchorAt: now, step: 0, createdAt: now }], skipDuplicates: true });
        }
      }
      if (ctx.owner) {
        drafts.push(
          agentDraft(deps, ctx, ctx.owner, "agent-reminder", key, reminderView({ gaveUp: true, since, resolved: status === "RESOLVED", closed: status === "CLOSED", refused: refused ?? "" })),
        );
      }
      const { pending } = await writeOutbound(tx, drafts);
      await recordEvents(
        tx,
        c.id,
        [{ type: "followup.gave-up", data: { waitingSince: job.anchorAt.toISOString(), action: refused ? `${cadence.giveUp} refused: ${refused}` : cadence.giveUp, status, at: now.toISOString(), recipients: drafts.map((x) => x.to.address) } }],
        now,
      );
      return { outcome: { kind: "recorded", step: "give-up", mails: drafts.length }, send: pending.map((r) => r.id), changed: status !== null };
    },
    { timeout: 30_000 },
  );
  await enqueueSend(deps.queues.send, result.send);
  // A status change moves the SLA clocks and the other automation jobs (the resolution mail, none here).
  if (result.changed) await scheduleSla(deps, [p.caseId]);
  return result.outcome;
}

/** The agent-reminder template's view: every flag present (strict templates), the one that applies set. */
export function reminderView(over: Partial<{ nudge: boolean; gaveUp: boolean; badRating: boolean; resolved: boolean; closed: boolean; since: string; refused: string; comment: string }>) {
  return { nudge: false, gaveUp: false, badRating: false, resolved: false, closed: false, since: "", refused: "", comment: "", ...over };
}

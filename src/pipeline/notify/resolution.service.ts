/**
 * The resolution mail: when a case is resolved or closed, its requester gets the solution in their language,
 * threaded in the case, with two signed one-click links (good / bad) to rate it (src/web/satisfaction.routes.ts).
 *
 * Once per resolution: the `CaseReminder` row (kind "resolution", anchor = the resolution instant) is the
 * guard. Closing a case whose resolution was already mailed sends nothing more; a case closed by a merge sends
 * nothing (its customer hears of the surviving case); a case resolved by a follow-up cadence had its notice
 * from there. Without MAILCASE_PUBLIC_URL the mail goes without links (nowhere to click).
 */
import type { Deps } from "../../kernel/deps.ts";
import { recordEvents } from "../../case/case-events.ts";
import { writeOutbound } from "../../case/outbox.ts";
import { readAutomation } from "../../config/automation-config.ts";
import { satisfactionUrl, signSatisfaction } from "../../links/signed-links.ts";
import { enqueueSend } from "../send/send.job.ts";
import type { AutomationOutcome } from "../sla/automation-run.ts";
import { doneAtOf } from "../sla/automation-schedule.ts";
import { customerDraft, loadCaseMailContext } from "./case-mail.ts";

export async function processResolutionMail(deps: Deps, p: { caseId: number; doneAt: number }): Promise<AutomationOutcome> {
  const result = await deps.db.$transaction(
    async (tx): Promise<{ outcome: AutomationOutcome; send: number[] }> => {
      const locked = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM "Case" WHERE id = ${p.caseId} FOR UPDATE`;
      if (locked.length === 0) return { outcome: { kind: "missing" }, send: [] };
      const now = deps.clock.now();
      const c = await tx.case.findUniqueOrThrow({
        where: { id: p.caseId },
        select: { id: true, status: true, resolvedAt: true, closedAt: true, solution: true, mergedIntoId: true, satisfaction: { select: { id: true } } },
      });
      const skip = (reason: string) => ({ outcome: { kind: "skipped", reason } as const, send: [] });
      const settings = await tx.settings.findUniqueOrThrow({ where: { id: 1 }, select: { automation: true } });
      if (!readAutomation(settings.automation).resolutionMail) return skip("off");
      const doneAt = doneAtOf(c);
      if (doneAt === null || doneAt.getTime() !== p.doneAt) return skip("stale");
      if (c.mergedIntoId !== null) return skip("merged");
      const told = async (at: Date) => (await tx.caseReminder.count({ where: { caseId: c.id, kind: "resolution", anchorAt: at } })) > 0;
      if (c.status === "CLOSED" && c.resolvedAt !== null && c.resolvedAt <= c.closedAt! && (await told(c.resolvedAt))) return skip("told-at-resolution");
      const inserted = await tx.caseReminder.createMany({ data: [{ caseId: c.id, kind: "resolution", anchorAt: doneAt, step: 0, createdAt: now }], skipDuplicates: true });
      if (inserted.count === 0) return { outcome: { kind: "already-recorded" }, send: [] };
      const ctx = await loadCaseMailContext(tx, c.id);
      // Links only where they can be used: a public URL to click, and no rating recorded yet (once per case).
      const rate = deps.publicUrl !== undefined && c.satisfaction === null;
      const drafts = ctx.requesters.map((r) => {
        const token = signSatisfaction(deps.secret, { caseId: c.id, contactId: r.id });
        return customerDraft(deps, ctx, r, "resolution", `res${p.doneAt}`, {
          solution: c.solution ?? "",
          closed: c.status === "CLOSED",
          rate,
          goodUrl: rate ? satisfactionUrl(deps.publicUrl!, token, "good") : "",
          badUrl: rate ? satisfactionUrl(deps.publicUrl!, token, "bad") : "",
        });
      });
      const { pending } = await writeOutbound(tx, drafts);
      await recordEvents(tx, c.id, [{ type: "resolution.mailed", data: { status: c.status, at: now.toISOString(), recipients: drafts.map((d) => d.to.address), links: rate } }], now);
      return { outcome: { kind: "recorded", step: "resolution", mails: drafts.length }, send: pending.map((r) => r.id) };
    },
    { timeout: 30_000 },
  );
  await enqueueSend(deps.queues.send, result.send);
  return result.outcome;
}

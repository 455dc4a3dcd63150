/**
 * Runs raw messages through the live ingest code (parse → classify → thread → route → SLA → who would be
 * notified) and reports what happened and why. A dry run does everything inside one transaction and rolls
 * it back; an import commits, sending no notifications unless asked (a mailbox's history can be imported
 * quietly).
 */
import { createHash } from "node:crypto";
import type { Deps } from "../kernel/deps.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { ingestMessage, txIo, type IngestOutcome } from "../pipeline/ingest/ingest.service.ts";
import { planAndWrite } from "../pipeline/notify/notify.service.ts";
import { classifyMessage } from "../parsing/automatic/classify.ts";
import { parseMessageLazily as parseMessage } from "../parsing/parse-message-lazy.ts";
import type { NotifyPayload } from "../pipeline/notify/notify.job.ts";
import { enqueueSend } from "../pipeline/send/send.job.ts";
import { storeRaw } from "../pipeline/poll/store-raw.ts";
import { ALWAYS_OPEN } from "../sla/calendar.ts";
import { calendarOf, slaTargetsFor } from "../sla/sla.service.ts";
import { caseAccessOf, explainCaseAccess } from "../case/access.ts";
import { agentViewerFor } from "../case/acting-agent.ts";
import { caseNo } from "../case/case-number.ts";

export interface ReplayReport {
  source: string;
  outcome: IngestOutcome | { kind: "duplicate"; inboundId: number; status: string } | { kind: "error"; error: string };
  from: string | null;
  subject: string | null;
  classification: string | null;
  case: {
    number: number;
    subject: string;
    group: string | null;
    area: string;
    owner: string | null;
    team: string | null;
    priority: string;
    sla: string | null;
    firstResponseDueAt: string | null;
    resolutionDueAt: string | null;
    routing: string[];
    /** Which target of the contract applies and on which clock. */
    slaRule: string | null;
    /** Every active agent: may they see the case, and by which rule. */
    access: string[];
  } | null;
  post: { visibility: string; rule: string } | null;
  notifications: { kind: string; to: string }[];
}

class Rollback extends Error {
  constructor(readonly report: ReplayReport) {
    super("dry run rollback");
  }
}

export async function replayMessage(
  deps: Deps,
  input: { source: string; raw: Buffer; mailboxKey?: string },
  opts: { dryRun: boolean; notify: boolean },
): Promise<ReplayReport> {
  const collected: NotifyPayload[] = [];
  const run = async (tx: Prisma.TransactionClient): Promise<ReplayReport> => {
    const mailbox = input.mailboxKey
      ? await tx.mailbox.findUniqueOrThrow({ where: { key: input.mailboxKey } })
      : await tx.mailbox.findFirstOrThrow({ where: { active: true }, orderBy: { id: "asc" } });
    // Replayed messages live in a pseudo-folder; the UID comes from the content, so importing the same file
    // twice is recognised as a duplicate exactly like a re-fetched IMAP message.
    const sha = createHash("sha256").update(input.raw).digest("hex");
    const stored = await storeRaw(tx, { mailboxId: mailbox.id, folder: "replay", uidValidity: 0n, uid: BigInt(`0x${sha.slice(0, 12)}`) }, input.raw);
    const report: ReplayReport = { source: input.source, outcome: { kind: "error", error: "not run" }, from: null, subject: null, classification: null, case: null, post: null, notifications: [] };
    try {
      const parsed = await parseMessage(input.raw);
      report.from = parsed.from?.address ?? null;
      report.subject = parsed.subject;
      const c = classifyMessage(parsed, { ownAddresses: [mailbox.address] });
      report.classification = `${c.kind} (${c.reason})`;
    } catch {
      // Ingest itself reports the parse failure as a quarantine reason.
    }
    if (stored.kind === "duplicate") {
      report.outcome = { kind: "duplicate", inboundId: stored.inboundId, status: stored.status };
      return report;
    }
    report.outcome = await ingestMessage(deps, stored.inboundId, txIo(tx, collected));
    const inbound = await tx.inboundMessage.findUniqueOrThrow({ where: { id: stored.inboundId }, include: { post: true } });
    if (inbound.caseId) {
      const k = await tx.case.findUniqueOrThrow({
        where: { id: inbound.caseId },
        include: { group: true, area: true, owner: true, team: true, slaContract: { include: { targets: true, severityTargets: true } }, contacts: { include: { contact: true } } },
      });
      const access = caseAccessOf(k);
      const grants = await tx.directoryAccess.findMany({ select: { directoryId: true, agentId: true, teamId: true } });
      const agents = await tx.agent.findMany({ where: { active: true }, include: { teams: true }, orderBy: { key: "asc" } });
      const picked = k.slaContract ? slaTargetsFor(k.slaContract, k.priority, k.severity) : null;
      const calendar = k.slaContract ? calendarOf(k.slaContract.calendar) : null;
      report.case = {
        number: caseNo(k.number),
        subject: k.subject,
        group: k.group?.key ?? null,
        area: k.area.key,
        owner: k.owner?.key ?? null,
        team: k.team?.key ?? null,
        priority: k.priority,
        sla: k.slaContract?.key ?? null,
        firstResponseDueAt: k.firstResponseDueAt?.toISOString() ?? null,
        resolutionDueAt: k.resolutionDueAt?.toISOString() ?? null,
        routing: (k.routing as { explain?: string[] }).explain ?? [],
        slaRule: picked && calendar
          ? `${picked.source} target of contract ${k.slaContract!.key}, ${calendar === ALWAYS_OPEN ? "around the clock" : `business hours in ${calendar.timeZone}`}`
          : null,
        access: await Promise.all(
          agents.map(async (a) => {
            const e = explainCaseAccess(await agentViewerFor(tx, a.id, a.teams.map((t) => t.teamId), grants), access);
            return `${a.key}: ${e.sees ? "sees it" : "does not see it"} (${e.why})`;
          }),
        ),
      };
    }
    if (inbound.post) report.post = { visibility: inbound.post.visibility, rule: inbound.post.threadRule };
    for (const item of collected) {
      if (opts.dryRun || opts.notify) {
        // Plan exactly as the notify worker would; in a dry run these rows are rolled back with the rest.
        await planAndWrite(deps, tx, item.postId, item.event);
        const rows = await tx.outboundMail.findMany({ where: { postId: item.postId }, orderBy: { id: "asc" } });
        report.notifications.push(...rows.map((r) => ({ kind: r.kind, to: r.toAddress })));
        if (opts.notify && !opts.dryRun) await tx.post.update({ where: { id: item.postId }, data: { notifiedAt: deps.clock.now() } });
      } else {
        // Quiet import: mark the post as handled so neither the notify worker nor the sweeper mails anyone.
        await tx.post.update({ where: { id: item.postId }, data: { notifiedAt: deps.clock.now() } });
      }
    }
    if (opts.dryRun) throw new Rollback(report);
    return report;
  };
  try {
    const report = await deps.db.$transaction(run, { timeout: 60_000, maxWait: 10_000 });
    if (opts.notify && !opts.dryRun && collected.length) {
      const pending = await deps.db.outboundMail.findMany({ where: { postId: { in: collected.map((c) => c.postId) }, status: "PENDING" }, select: { id: true } });
      await enqueueSend(deps.queues.send, pending.map((p) => p.id));
    }
    return report;
  } catch (err) {
    if (err instanceof Rollback) return err.report;
    return { source: input.source, outcome: { kind: "error", error: (err as Error).message }, from: null, subject: null, classification: null, case: null, post: null, notifications: [] };
  }
}

/** One-paragraph human explanation of a report (the CLI's default output). */
export function formatReport(r: ReplayReport, dryRun: boolean, explain = false): string {
  const lines = [`${r.source}`, `  from ${r.from ?? "?"}: "${r.subject ?? ""}" — ${r.classification ?? "unparsed"}`];
  const o = r.outcome;
  switch (o.kind) {
    case "case-created":
      lines.push(`  → ${dryRun ? "would open" : "opened"} case ${r.case?.number ?? o.number} "${r.case?.subject ?? ""}"`);
      break;
    case "post-added":
      lines.push(`  → ${dryRun ? "would add" : "added"} a ${o.visibility} post to case ${r.case?.number ?? o.caseId} (threading rule: ${o.rule})`);
      break;
    case "commands-applied":
      lines.push(`  → ${dryRun ? "would change" : "changed"} case ${r.case?.number ?? o.caseId}: ${o.changed.join(", ") || "nothing"} (agent commands, no post)`);
      break;
    case "quarantined":
      lines.push(`  → ${dryRun ? "would be quarantined" : "quarantined"}: ${o.reason}`);
      break;
    case "duplicate":
      lines.push(`  → already imported (message #${o.inboundId}, ${o.status.toLowerCase()})`);
      break;
    case "already-done":
    case "missing":
      lines.push(`  → ${o.kind}`);
      break;
    case "error":
      lines.push(`  → error: ${o.error}`);
      break;
  }
  if (r.case && o.kind === "case-created") {
    lines.push(`    routing: ${r.case.routing.join("; ")}`);
    lines.push(`    owner ${r.case.owner ?? "-"}, team ${r.case.team ?? "-"}, priority ${r.case.priority}`);
    lines.push(`    SLA ${r.case.sla ?? "none"}: first response due ${r.case.firstResponseDueAt ?? "-"}, resolution due ${r.case.resolutionDueAt ?? "-"}`);
    if (r.case.slaRule) lines.push(`    SLA rule: ${r.case.slaRule}`);
    if (explain) for (const a of r.case.access) lines.push(`    access: ${a}`);
  }
  if (r.notifications.length) lines.push(`    notifications: ${r.notifications.map((n) => `${n.kind} → ${n.to}`).join(", ")}`);
  return lines.join("\n");
}

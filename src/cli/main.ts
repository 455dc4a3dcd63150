/**
 * The `mailcase` command. Each subcommand builds the runtime it needs and nothing more.
 */
import { Command, InvalidArgumentError } from "commander";
import { applyConfig } from "../config/apply-config.ts";
import { loadEnv } from "../config/env.ts";
import { loadHelpdeskConfig } from "../config/helpdesk-config.ts";
import { createRuntime, startPollers, startWeb, startWorkers, type Handle, type Runtime } from "../app/runtime.ts";
import { agentViewerByKey, listCases, showCase } from "./case-view.ts";
import type { AgentViewer } from "../case/access.ts";
import { collectMessageFiles } from "./message-files.ts";
import { formatReport, replayMessage } from "../replay/replay.service.ts";
import { discardQuarantined, listQuarantine, retryQuarantined, showQuarantined } from "../pipeline/ingest/quarantine.service.ts";
import { readFile } from "node:fs/promises";
import { auditMailbox } from "../pipeline/poll/gap-audit.ts";
import { resolvePassword } from "../config/apply-config.ts";
import { formatMinutes, slaReport } from "./sla-report.ts";

const program = new Command("mailcase").description("Email-driven helpdesk worker").showHelpAfterError();

/** Runs long-lived roles until SIGINT/SIGTERM, then drains them (workers finish their current job). */
async function runRoles(roles: ("poller" | "worker" | "web")[]): Promise<void> {
  const rt = createRuntime();
  const handles: Handle[] = [];
  if (roles.includes("web")) handles.push(await startWeb(rt));
  if (roles.includes("worker")) handles.push(startWorkers(rt));
  if (roles.includes("poller")) handles.push(await startPollers(rt));
  rt.deps.log.info({ roles }, "mailcase running");
  const stop = async (signal: string) => {
    rt.deps.log.info({ signal }, "shutting down");
    await Promise.all(handles.map((h) => h.close()));
    await rt.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = createRuntime(loadEnv(), {});
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

/** `--as <agentKey>`: the agent whose view to show; an unknown key is an error, not an empty view. */
async function viewerOption(rt: Runtime, key: string | undefined): Promise<AgentViewer | undefined> {
  if (key === undefined) return undefined;
  const viewer = await agentViewerByKey(rt.deps.db, key);
  if (!viewer) throw new Error(`unknown agent "${key}"`);
  return viewer;
}

const caseNumber = (v: string) => {
  const n = Number(v.replace(/^[A-Z]+-/i, ""));
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a case number such as 1042 or MC-1042");
  return n;
};

program.command("start").description("run poller, workers and web in one process (local use)").action(() => runRoles(["poller", "worker", "web"]));
program.command("poller").description("watch the mailboxes (IMAP IDLE + poll)").action(() => runRoles(["poller"]));
program.command("worker").description("process the ingest, notify and send queues").action(() => runRoles(["worker"]));
program.command("web").description("health and metrics endpoint").action(() => runRoles(["web"]));

const config = program.command("config").description("helpdesk configuration");
config
  .command("apply")
  .argument("<file>", "YAML or JSON configuration file")
  .description("validate and apply a configuration file (idempotent)")
  .action(async (file: string) => {
    const cfg = await loadHelpdeskConfig(file);
    const summary = await withRuntime((rt) => applyConfig(rt.deps.db, cfg));
    console.log(`applied ${file}: ${Object.entries(summary).map(([k, v]) => `${v} ${k}`).join(", ")}`);
  });
config
  .command("check")
  .argument("<file>")
  .description("validate a configuration file without applying it")
  .action(async (file: string) => {
    await loadHelpdeskConfig(file);
    console.log(`${file}: valid`);
  });

program
  .command("cases")
  .description("list recent cases")
  .option("--json", "machine-readable output")
  .option("-n, --limit <n>", "how many", (v) => Number(v), 50)
  .option("--as <agentKey>", "only the cases this agent may see (default: the operator's view, everything)")
  .action(async (opts: { json?: boolean; limit: number; as?: string }) => {
    const rows = await withRuntime(async (rt) => listCases(rt.deps.db, opts.limit, await viewerOption(rt, opts.as)));
    if (opts.json) return console.log(JSON.stringify(rows, null, 2));
    if (rows.length === 0) return console.log("no cases yet");
    for (const r of rows)
      console.log(
        `${String(r.number).padStart(6)}  ${r.status.padEnd(19)} ${r.priority.padEnd(6)} ${(r.owner ?? "-").padEnd(8)} ${(r.group ?? "-").padEnd(10)} ${r.requester ?? "-"}  ${r.subject}`,
      );
  });

program
  .command("case")
  .argument("<number>", "case number", caseNumber)
  .description("show a case: routing, SLA, followers, stream with visibility")
  .option("--json", "machine-readable output")
  .option("--as <agentKey>", "only what this agent may see; a case they may not see is \"not found\" (default: the operator's view)")
  .action(async (number: number, opts: { json?: boolean; as?: string }) => {
    const c = await withRuntime(async (rt) => showCase(rt.deps.db, number, await viewerOption(rt, opts.as)));
    // Same words for a case the agent may not see as for a missing one, so `--as` does not reveal existence.
    if (!c) {
      console.error(`case ${number} not found`);
      process.exitCode = 1;
      return;
    }
    if (opts.json) return console.log(JSON.stringify(c, null, 2));
    console.log(`[${c.tag}] ${c.subject}`);
    console.log(`status ${c.status}  priority ${c.priority}  type ${c.type}  origin ${c.origin}  account ${c.account ?? "-"}`);
    console.log(`contacts: ${c.contacts.map((x) => `${x.email ?? "(hidden contact)"} (${x.role.toLowerCase()}${x.portal ? ", portal" : ""})`).join(", ")}`);
    console.log(`routing: area ${c.routing.area}, group ${c.routing.group ?? "-"}, owner ${c.routing.owner ?? "-"}, team ${c.routing.team ?? "-"}`);
    for (const line of c.routing.explain) console.log(`  - ${line}`);
    console.log(`SLA ${c.sla.contract ?? "-"}: first response due ${c.sla.firstResponseDueAt ?? "-"}, resolution due ${c.sla.resolutionDueAt ?? "-"}${c.sla.firstRespondedAt ? `, responded ${c.sla.firstRespondedAt}` : ""}`);
    console.log(`followers: ${c.followers.map((f) => `${f.who} (${f.reason})`).join(", ") || "-"}`);
    console.log("stream:");
    for (const p of c.stream) {
      console.log(`  #${p.id} ${p.at} ${p.visibility.padEnd(8)} ${p.author} via ${p.rule}`);
      if (p.arrivalOnly) console.log("      (private message: only its addressee can read it)");
      else for (const line of p.body.split("\n").slice(0, 12)) console.log(`      ${line}`);
    }
    console.log("mail:");
    for (const m of c.mail) console.log(`  ${m.kind.padEnd(8)} ${m.status.padEnd(7)} ${m.to}  ${m.subject}`);
  });

program
  .command("replay")
  .argument("<paths...>", ".eml files or folders (searched recursively)")
  .description("run messages through the same code as live ingest and say what happens and why")
  .option("--dry-run", "decide only: nothing is written (everything runs in a transaction that is rolled back)")
  .option("--notify", "when importing, also send the notifications (default: import quietly)")
  .option("--mailbox <key>", "mailbox to file under (default: the first active one)")
  .option("--json", "one JSON report per message")
  .action(async (paths: string[], opts: { dryRun?: boolean; notify?: boolean; mailbox?: string; json?: boolean }) => {
    const files = await collectMessageFiles(paths);
    if (files.length === 0) throw new Error(`no message files found in ${paths.join(", ")}`);
    const counts: Record<string, number> = {};
    await withRuntime(async (rt) => {
      for (const file of files) {
        const report = await replayMessage(rt.deps, { source: file, raw: await readFile(file), mailboxKey: opts.mailbox }, { dryRun: Boolean(opts.dryRun), notify: Boolean(opts.notify) });
        counts[report.outcome.kind] = (counts[report.outcome.kind] ?? 0) + 1;
        console.log(opts.json ? JSON.stringify(report) : formatReport(report, Boolean(opts.dryRun)));
      }
    });
    if (!opts.json) console.log(`\n${files.length} messages: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(", ")}${opts.dryRun ? " (dry run: nothing written)" : ""}`);
    if (counts.error) process.exitCode = 1;
  });

program
  .command("route")
  .argument("<file>", "an .eml file")
  .description("what would happen to this message: routing, access and SLA, each with the rule behind it (writes nothing)")
  .option("--explain", "also list, for every active agent, whether they may see the case and why (default on)", true)
  .option("--mailbox <key>", "mailbox to file under (default: the first active one)")
  .option("--json")
  .action(async (file: string, opts: { explain?: boolean; mailbox?: string; json?: boolean }) => {
    const report = await withRuntime(async (rt) => replayMessage(rt.deps, { source: file, raw: await readFile(file), mailboxKey: opts.mailbox }, { dryRun: true, notify: false }));
    console.log(opts.json ? JSON.stringify(report, null, 2) : formatReport(report, true, opts.explain !== false));
    if (report.outcome.kind === "error") process.exitCode = 1;
  });

const quarantine = program.command("quarantine").description("messages that could not be filed (raw message always kept)");
quarantine
  .command("list")
  .option("--all", "include discarded ones")
  .option("--json")
  .action(async (opts: { all?: boolean; json?: boolean }) => {
    const rows = await withRuntime((rt) => listQuarantine(rt.deps, Boolean(opts.all)));
    if (opts.json) return console.log(JSON.stringify(rows, null, 2));
    if (rows.length === 0) return console.log("quarantine is empty");
    for (const r of rows) console.log(`${String(r.id).padStart(6)}  ${r.fetchedAt}  ${r.mailbox}  ${r.outcome === "discarded" ? "[discarded] " : ""}${r.reason ?? ""}`);
  });
quarantine
  .command("show")
  .argument("<id>", "message id", (v) => Number(v))
  .option("--raw", "print the raw message")
  .action(async (id: number, opts: { raw?: boolean }) => {
    const row = await withRuntime((rt) => showQuarantined(rt.deps, id));
    if (!row) {
      console.error(`message ${id} not found`);
      process.exitCode = 1;
      return;
    }
    if (opts.raw) return void process.stdout.write(Buffer.from(row.raw));
    console.log(`message ${row.id}  status ${row.status}${row.outcome === "discarded" ? " (discarded)" : ""}  size ${row.size} B  Message-ID <${row.messageId}>`);
    console.log(`reason: ${row.reason ?? "-"}`);
    const head = Buffer.from(row.raw).toString("latin1");
    console.log(head.slice(0, Math.max(0, head.search(/\r?\n\r?\n/))).split(/\r?\n/).slice(0, 30).join("\n"));
  });
quarantine
  .command("retry")
  .argument("<id>", "message id", (v) => Number(v))
  .description("put a quarantined message back through ingest (needs a running worker)")
  .action(async (id: number) => {
    const outcome = await withRuntime((rt) => retryQuarantined(rt.deps, id));
    console.log(outcome.kind === "requeued" ? `message ${id} requeued (retry ${outcome.attempt})` : `message ${id}: ${outcome.kind}`);
    if (outcome.kind !== "requeued") process.exitCode = 1;
  });
quarantine
  .command("discard")
  .argument("<id>", "message id", (v) => Number(v))
  .description("mark a quarantined message as dealt with (the raw message is kept)")
  .action(async (id: number) => {
    const ok = await withRuntime((rt) => discardQuarantined(rt.deps, id));
    console.log(ok ? `message ${id} discarded` : `message ${id} is not in quarantine`);
    if (!ok) process.exitCode = 1;
  });

program
  .command("contact")
  .description("customer contacts")
  .command("clear-bounce")
  .argument("<address>", "the contact's address")
  .description("mail the address again after it was marked as bouncing (a hard bounce of our mail marks it)")
  .action(async (address: string) => {
    const n = await withRuntime(async (rt) => (await rt.deps.db.contact.updateMany({ where: { email: address.trim().toLowerCase(), bouncing: true }, data: { bouncing: false } })).count);
    console.log(n ? `${address}: cleared; it is mailed again` : `${address}: no bouncing contact with that address`);
    if (!n) process.exitCode = 1;
  });

program
  .command("audit")
  .description("gap audit: messages on the IMAP server that Mailcase never stored (exit 1 when there are any)")
  .option("--json")
  .action(async (opts: { json?: boolean }) => {
    const results = await withRuntime(async (rt) => {
      const out = [];
      for (const m of await rt.deps.db.mailbox.findMany({ where: { active: true } })) out.push(await auditMailbox(rt.deps, m, resolvePassword(m.imapPassword)));
      return out;
    });
    if (opts.json) console.log(JSON.stringify(results, null, 2));
    else
      for (const r of results) {
        console.log(`${r.mailbox}/${r.folder} (UIDVALIDITY ${r.uidValidity}): ${r.onServer} on server, ${r.pending} pending, ${r.duplicates} duplicates, ${r.gaps.length} gaps${r.note ? ` — ${r.note}` : ""}`);
        for (const g of r.gaps) console.log(`  gap: UID ${g.uid} <${g.messageId ?? "?"}> ${g.subject ?? ""}`);
      }
    if (results.some((r) => r.gaps.length)) process.exitCode = 1;
  });

program
  .command("sla")
  .description("open cases at risk (warning passed, not yet due) and breached (due passed, target not met)")
  .option("--json", "machine-readable output")
  .action(async (opts: { json?: boolean }) => {
    const rows = await withRuntime((rt) => slaReport(rt.deps.db, rt.deps.clock.now()));
    if (opts.json) return console.log(JSON.stringify(rows, null, 2));
    if (rows.length === 0) return console.log("no case is at risk or breached");
    const metric = { FIRST_RESPONSE: "first response", NEXT_RESPONSE: "next response", RESOLUTION: "resolution" } as const;
    for (const r of rows) {
      const when = r.lateMinutes >= 0 ? `${formatMinutes(r.lateMinutes)} late` : `${formatMinutes(r.lateMinutes)} left`;
      console.log(
        `${r.caseRef.padEnd(10)} ${(r.standing === "breached" ? "BREACHED" : "AT RISK").padEnd(8)}  ${metric[r.metric].padEnd(14)}  due ${r.dueAt.replace("T", " ").slice(0, 16)} UTC  ${when.padEnd(16)}  ${(r.owner ?? "-").padEnd(8)}  ${r.subject}`,
      );
    }
  });

program.parseAsync(process.argv).catch((err: Error) => {
  console.error(`mailcase: ${err.message}`);
  process.exit(1);
});

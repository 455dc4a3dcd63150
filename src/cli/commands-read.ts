/**
 * Read-only views: the case list, one case, and the SLA report. `--as` shows an agent's view.
 */
import type { Command } from "commander";
import { listCases, showCase } from "./case-view.ts";
import { caseNumber, viewerOption, withRuntime } from "./cli-runtime.ts";
import { formatMinutes, slaReport } from "./sla-report.ts";

/** Registers the views; returns the `case` command, under which the acting subcommands go. */
export function registerReadCommands(program: Command): Command {
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

  const caseCommand = program
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
      console.log(`contacts: ${c.contacts.map((x) => `${x.email ?? "(hidden contact)"} (${x.role.toLowerCase()}${x.portal ? ", portal" : ""}${x.phone ? `, phone ${x.phone}` : ""})`).join(", ")}`);
      if (c.product) console.log(`product: ${c.product.code} ${c.product.name}${c.product.active ? "" : " (no longer offered)"}`);
      for (const f of c.fields) console.log(`field ${f.key} (${f.label}): ${f.value}`);
      console.log(`routing: area ${c.routing.area}, group ${c.routing.group ?? "-"}, owner ${c.routing.owner ?? "-"}, team ${c.routing.team ?? "-"}`);
      for (const line of c.routing.explain) console.log(`  - ${line}`);
      console.log(`SLA ${c.sla.contract ?? "-"}: first response due ${c.sla.firstResponseDueAt ?? "-"}, resolution due ${c.sla.resolutionDueAt ?? "-"}${c.sla.firstRespondedAt ? `, responded ${c.sla.firstRespondedAt}` : ""}`);
      for (const a of c.approvals)
        console.log(`held for approval: ${a.fields.join(", ")} (request ${a.request}, rule ${a.rule}, ${a.mode} of ${a.approvers.join(", ")}${a.timeoutAt ? `, times out ${a.timeoutAt}` : ""})`);
      console.log(`satisfaction: ${c.satisfaction ? `${c.satisfaction.rating} (${c.satisfaction.ratedAt})${c.satisfaction.comment ? ` "${c.satisfaction.comment}"` : ""}` : "-"}`);
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
  return caseCommand;
}

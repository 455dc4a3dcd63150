/**
 * `mailcase import cases FILE.csv` (dry run by default: a per-row report of line, field and why; `--apply`
 * writes) and `mailcase export cases` (CSV or JSON Lines on standard output).
 */
import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { finished } from "node:stream/promises";
import type { Command } from "commander";
import { parse } from "csv-parse";
import { stringify } from "csv-stringify";
import { parse as parseYaml } from "yaml";
import { exportCases } from "../case/import/export-cases.ts";
import { importCases, type ImportRecord, type ImportSummary } from "../case/import/import-cases.service.ts";
import { MappingFile, missingColumns, parseMapFlags, type ColumnMapping } from "../case/import/import-row.ts";
import { viewerOption, withRuntime } from "./cli-runtime.ts";

/** The records of a CSV file with their line numbers, streamed; a header without the required columns stops it first. */
export async function* csvRecords(file: string, mapping: ColumnMapping): AsyncGenerator<ImportRecord> {
  const parser = createReadStream(file).pipe(
    parse({
      bom: true,
      skip_empty_lines: true,
      info: true,
      columns: (header: string[]) => {
        const missing = missingColumns(mapping, header);
        if (missing.length) throw new Error(`${file}: the header lacks ${missing.join(", ")}`);
        return header;
      },
    }),
  );
  // csv-parse reports the line a record ends on; a report names the line it starts on (a quoted cell may span lines).
  let lastEnd = 1;
  for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    yield { line: lastEnd + 1, record: item.record };
    lastEnd = item.info.lines;
  }
}

export function mappingOf(opts: { mapping?: string; map?: string[] }): ColumnMapping {
  const fromFile = opts.mapping ? MappingFile.parse(parseYaml(readFileSync(opts.mapping, "utf8"))).columns : {};
  return { ...fromFile, ...parseMapFlags(opts.map ?? []) };
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerImportExport(program: Command): void {
  program
    .command("import")
    .description("import data (dry run unless --apply)")
    .command("cases")
    .argument("<file>", "CSV file with a header row")
    .option("--map <field=Column>", "take a field from a differently named column (repeatable)", collect)
    .option("--mapping <file.yaml>", "column mapping file: `columns: { external_id: Ticket ID, … }`")
    .option("--apply", "write (default: a dry run that reports what it would do)")
    .option("--batch <n>", "rows per transaction", (v) => Number(v), 1_000)
    .option("--quiet", "no progress line")
    .description("import cases from CSV, idempotent by external id; historical cases keep dates and status and send no mail")
    .action(async (file: string, opts: { map?: string[]; mapping?: string; apply?: boolean; batch: number; quiet?: boolean }) => {
      const mapping = mappingOf(opts);
      const started = Date.now();
      let issues = 0;
      const progress = (s: Readonly<ImportSummary>) => {
        if (opts.quiet) return;
        const rate = Math.round(s.rows / Math.max(0.001, (Date.now() - started) / 1000));
        process.stderr.write(`${process.stderr.isTTY ? "\r" : ""}${s.rows} rows (${rate}/s): ${s.created} new, ${s.updated} updated, ${s.unchanged} unchanged, ${s.invalid} invalid${process.stderr.isTTY ? "" : "\n"}`);
      };
      const summary = await withRuntime((rt) =>
        importCases(rt.deps.db, csvRecords(file, mapping), {
          apply: Boolean(opts.apply),
          mapping,
          source: file,
          batchSize: opts.batch,
          onIssue: (i) => {
            issues++;
            console.log(`line ${i.line}: ${i.field}: ${i.why}`);
          },
          onProgress: progress,
        }),
      );
      if (!opts.quiet && process.stderr.isTTY) process.stderr.write("\n");
      const verb = opts.apply ? "" : "would be ";
      console.log(
        `${summary.rows} rows: ${summary.created} ${verb}created, ${summary.updated} ${verb}updated, ${summary.unchanged} unchanged, ${summary.invalid} invalid (${issues} problems)${opts.apply ? "" : " — dry run, nothing written; --apply to write"}`,
      );
      if (summary.invalid) process.exitCode = 1;
    });

  program
    .command("export")
    .description("export data")
    .command("cases")
    .description("every case with the import's columns (re-importable), as CSV or JSON Lines")
    .option("--format <format>", "csv or jsonl", "csv")
    .option("--output <file>", "write here instead of standard output")
    .option("--as <agentKey>", "only the cases this agent may see")
    .action(async (opts: { format: string; output?: string; as?: string }) => {
      if (opts.format !== "csv" && opts.format !== "jsonl") throw new Error(`--format ${opts.format}: expected csv or jsonl`);
      const out: NodeJS.WritableStream = opts.output ? createWriteStream(opts.output) : process.stdout;
      const drained = () => new Promise<void>((r) => out.once("drain", () => r()));
      await withRuntime(async (rt) => {
        const rows = exportCases(rt.deps.db, await viewerOption(rt, opts.as));
        if (opts.format === "jsonl") {
          for await (const row of rows) if (!out.write(`${JSON.stringify(row)}\n`)) await drained();
        } else {
          const csv = stringify({ header: true });
          csv.pipe(out, { end: false });
          for await (const row of rows) if (!csv.write(row)) await new Promise((r) => csv.once("drain", r));
          csv.end();
          await finished(csv);
        }
      });
      if (out !== process.stdout) await new Promise<void>((r) => out.end(() => r()));
    });
}

/**
 * `npm run bench:import`: generates a CSV of ROWS cases (default 100,000), imports it into a fresh database
 * through the same code as `mailcase import cases --apply`, and prints rows/s and the process's peak RSS;
 * then imports it again and checks that the second run changes nothing.
 *
 *   BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/mailcase_bench_import)  ROWS=100000
 */
import { createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { applyConfig } from "../src/config/apply-config.ts";
import { loadHelpdeskConfig } from "../src/config/helpdesk-config.ts";
import { createDb } from "../src/db/client.ts";
import { importCases } from "../src/case/import/import-cases.service.ts";
import { csvRecords } from "../src/cli/commands-import.ts";
import { freshDatabase } from "./fresh-database.ts";

const DB_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/mailcase_bench_import";
const ROWS = Number(process.env.ROWS ?? 100_000);

/** A realistic spread: 5,000 customers over a few domains, a third closed with solutions, some owners and SLA levels. */
async function writeCsv(file: string): Promise<void> {
  const out = createWriteStream(file);
  const line = (cells: string[]) => `${cells.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(",")}\n`;
  out.write(line(["Ticket ID", "subject", "description", "status", "priority", "requester", "owner", "sla", "solution", "created_at", "closed_at"]));
  const statuses = ["NEW", "IN_PROGRESS", "CLOSED"];
  const domains = ["acme.test", "customer.test", "example.test", "widgets.test"];
  for (let i = 1; i <= ROWS; i++) {
    const status = statuses[i % 3]!;
    const created = new Date(Date.UTC(2025, 0, 1) + i * 60_000);
    const row = line([
      `OLD-${i}`,
      `Imported problem ${i}`,
      `Customer wrote, "it broke" (${i}),\nsecond line`,
      status,
      ["LOW", "NORMAL", "HIGH"][i % 3]!,
      `customer${i % 5000}@${domains[i % domains.length]}`,
      i % 4 === 0 ? "alice" : "",
      i % 5 === 0 ? "gold" : "",
      status === "CLOSED" ? `Fixed in ${i}` : "",
      created.toISOString(),
      status === "CLOSED" ? new Date(created.getTime() + 86_400_000).toISOString() : "",
    ]);
    if (!out.write(row)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

async function main(): Promise<void> {
  await freshDatabase(DB_URL);
  const db = createDb(DB_URL);
  await applyConfig(db, await loadHelpdeskConfig(path.resolve(import.meta.dirname, "../config/lab.yaml")));
  const file = path.join(tmpdir(), `mailcase-import-bench-${ROWS}.csv`);
  await writeCsv(file);
  const mapping = { external_id: "Ticket ID" };
  const run = async (label: string) => {
    const started = process.hrtime.bigint();
    let problems = 0;
    let batches = 0;
    const s = await importCases(db, csvRecords(file, mapping), {
      apply: true,
      mapping,
      source: file,
      onIssue: () => void problems++,
      // Memory as it goes: flat RSS and heap over the batches is what "constant memory" means.
      onProgress: (p) => {
        if (++batches % 20 === 0) console.log(`  ${p.rows} rows: RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB, heap ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MiB`);
      },
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(
      `${label}: ${s.rows} rows in ${seconds.toFixed(1)} s = ${Math.round(s.rows / seconds)} rows/s; ${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged, ${s.invalid} invalid (${problems} problems); peak RSS so far ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
    );
    return s;
  };
  const first = await run("first import");
  const second = await run("second import (same file)");
  const cases = await db.case.count();
  await db.$disconnect();
  console.log(`cases in the database: ${cases}`);
  if (first.created !== ROWS || second.created !== 0 || second.updated !== 0 || cases !== ROWS) {
    console.error("the second import changed something, or rows went missing");
    process.exit(1);
  }
}

await main();

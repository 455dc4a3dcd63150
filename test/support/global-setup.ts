/**
 * Integration tier setup: a fresh database migrated with the project's own offline Prisma bridge, and
 * a check that Redis and the mail lab answer (with the command that starts them when they do not).
 */
import { execFileSync } from "node:child_process";
import { Socket } from "node:net";
import pg from "pg";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/mailcase_test";

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.setTimeout(2000);
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
    s.once("timeout", () => (s.destroy(), resolve(false)));
    s.connect(port, "127.0.0.1");
  });
}

export default async function setup(): Promise<void> {
  await prepareServices(TEST_DATABASE_URL);
}

/** Checks the services answer and migrates a fresh database at `databaseUrl` (dropped first if it exists). */
export async function prepareServices(databaseUrl: string): Promise<void> {
  const missing: string[] = [];
  if (!(await reachable(5432))) missing.push("PostgreSQL 127.0.0.1:5432 (scripts/services.sh)");
  if (!(await reachable(6379))) missing.push("Redis 127.0.0.1:6379 (scripts/services.sh)");
  if (!(await reachable(1143))) missing.push("IMAP 127.0.0.1:1143 (scripts/mail-lab.sh start)");
  if (!(await reachable(2525))) missing.push("SMTP 127.0.0.1:2525 (scripts/mail-lab.sh start)");
  if (missing.length) throw new Error(`integration tests need: ${missing.join(", ")}`);

  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  const admin = new pg.Client({ connectionString: Object.assign(new URL(databaseUrl), { pathname: "/postgres" }).toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: "pipe" });
}

/** A benchmark's own database, dropped, recreated and migrated, so every run starts from the same empty state. */
import { execFileSync } from "node:child_process";
import pg from "pg";

export async function freshDatabase(dbUrl: string): Promise<void> {
  const url = new URL(dbUrl);
  const admin = new pg.Client({ connectionString: Object.assign(new URL(dbUrl), { pathname: "/postgres" }).toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${url.pathname.slice(1)}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${url.pathname.slice(1)}"`);
  await admin.end();
  execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: dbUrl }, stdio: "pipe" });
}

/**
 * `npm run bench:portal`: seeds CASES cases (default 10,000) for one company into a fresh database, signs in
 * its manager (who sees every company case through the exposure rules: the widest list), and measures the
 * case-list page over real HTTP: REQUESTS sequential requests over random pages and the three filters and a
 * text search. Prints one line: p50/p99 latency and the web process's RSS (this process serves the portal;
 * seeding is done before the first request and the heap is collected before measuring when --expose-gc).
 *
 *   BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/mailcase_bench_portal)  CASES=10000  REQUESTS=300
 */
import { applyMemoryPolicy } from "../src/app/memory-policy.ts";
import { createRuntime } from "../src/app/runtime.ts";
import { applyConfig } from "../src/config/apply-config.ts";
import { loadHelpdeskConfig } from "../src/config/helpdesk-config.ts";
import { loadEnv } from "../src/config/env.ts";
import { createSession } from "../src/portal/session.ts";
import { buildWebApp, DEFAULT_SESSION, DEFAULT_SIGN_IN_LIMITS } from "../src/web/server.ts";
import { freshDatabase } from "./fresh-database.ts";

const DB_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/mailcase_bench_portal";
const CASES = Number(process.env.CASES ?? 10_000);
const REQUESTS = Number(process.env.REQUESTS ?? 300);

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main(): Promise<void> {
  await freshDatabase(DB_URL);
  const env = loadEnv({ ...process.env, DATABASE_URL: DB_URL, MAILCASE_LAB_MODE: "1", LOG_LEVEL: "silent", MAILCASE_REDIS_PREFIX: `mcbench-portal-${process.pid}` });
  const rt = createRuntime(env);
  // As `mailcase web` does (src/cli/cli-runtime.ts).
  applyMemoryPolicy(env.MAILCASE_MEMORY_POLICY);
  const db = rt.deps.db;
  await applyConfig(db, await loadHelpdeskConfig("config/lab.yaml"));
  const pat = await db.contact.findUniqueOrThrow({ where: { email: "pat@acme.test" } });
  const others = await Promise.all(Array.from({ length: 20 }, (_, i) => db.contact.upsert({ where: { email: `user${i}@acme.test` }, create: { email: `user${i}@acme.test`, accountId: pat.accountId }, update: {} })));
  const area = await db.area.findFirstOrThrow();
  const statuses = ["NEW", "IN_PROGRESS", "WAITING_ON_CUSTOMER", "RESOLVED", "CLOSED"] as const;
  const t0 = Date.UTC(2026, 0, 1);
  for (let start = 0; start < CASES; start += 1000) {
    const n = Math.min(1000, CASES - start);
    const rows = Array.from({ length: n }, (_, k) => {
      const i = start + k;
      return { subject: `Printer problem number ${i}`, description: `Case ${i}`, status: statuses[i % statuses.length]!, areaId: area.id, accountId: pat.accountId, routing: {}, createdAt: new Date(t0 + i * 60_000), updatedAt: new Date(t0 + i * 60_000) };
    });
    await db.case.createMany({ data: rows });
  }
  const cases = await db.case.findMany({ select: { id: true }, orderBy: { id: "asc" } });
  for (let i = 0; i < cases.length; i += 2000) {
    const chunk = cases.slice(i, i + 2000);
    await db.caseContact.createMany({ data: chunk.map((c, k) => ({ caseId: c.id, contactId: (i + k) % 3 === 0 ? pat.id : others[(i + k) % others.length]!.id, role: "REQUESTER" as const })) });
    await db.post.createMany({ data: chunk.map((c, k) => ({ caseId: c.id, visibility: "PUBLIC" as const, source: "CUSTOMER_EMAIL" as const, subject: "Printer", threadRule: "new-case", body: `The printer in room ${(i + k) % 97} jams on page ${(i + k) % 13}.`, authorContactId: pat.id })) });
  }

  const web = await buildWebApp(rt.deps, rt.redis, {
    host: "127.0.0.1",
    port: 0,
    trustProxy: false,
    publicUrl: "http://127.0.0.1",
    redisPrefix: env.MAILCASE_REDIS_PREFIX,
    session: DEFAULT_SESSION,
    signInLimits: DEFAULT_SIGN_IN_LIMITS,
    pageRatePerMinute: 1_000_000,
  });
  await web.listen({ host: "127.0.0.1", port: 0 });
  const address = web.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const session = await createSession(rt.deps, DEFAULT_SESSION, { contactId: pat.id, portalKey: "customers", userAgent: "bench" });
  if (!session) throw new Error("pat@acme.test has no portal access in config/lab.yaml");
  const cookie = `mc_customers=${web.signCookie(session.value)}`;
  const pages = Math.ceil(CASES / 25);
  const urls = (i: number) => {
    const filter = ["all", "open", "closed", "waiting"][i % 4]!;
    return i % 10 === 9 ? `/portal/cases?filter=all&q=jams` : `/portal/cases?filter=${filter}&page=${1 + ((i * 7919) % Math.max(1, Math.floor(pages / 4)))}`;
  };
  for (let i = 0; i < 20; i++) await fetch(`http://127.0.0.1:${port}${urls(i)}`, { headers: { cookie } }); // warm-up
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}${urls(i)}`, { headers: { cookie } });
    const body = await res.text();
    times.push(performance.now() - started);
    if (res.status !== 200 || !body.includes("Printer problem")) throw new Error(`case list answered ${res.status} for ${urls(i)}`);
  }
  (globalThis as { gc?: () => void }).gc?.();
  const rss = process.memoryUsage().rss;
  times.sort((a, b) => a - b);
  console.log(
    `bench:portal cases=${CASES} requests=${REQUESTS} case-list p50=${pct(times, 50).toFixed(1)}ms p99=${pct(times, 99).toFixed(1)}ms max=${times[times.length - 1]!.toFixed(1)}ms web-rss=${(rss / 1024 / 1024).toFixed(0)}MB`,
  );
  await web.close();
  await rt.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

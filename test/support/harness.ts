/**
 * Integration harness: a Mailcase runtime against the real services, isolated per test file by a fresh
 * database state, a random Redis prefix and random mailbox addresses (every address in the mail lab is a
 * real, empty IMAP mailbox until something is delivered to it).
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { ImapFlow } from "imapflow";
import { simpleParser, type ParsedMail } from "mailparser";
import nodemailer, { type SendMailOptions } from "nodemailer";
import { applyConfig } from "../../src/config/apply-config.ts";
import { loadEnv, type Env } from "../../src/config/env.ts";
import { parseHelpdeskConfig, type HelpdeskConfig } from "../../src/config/helpdesk-config.ts";
import { createRuntime, startPollers, startWorkers, type Handle, type Runtime } from "../../src/app/runtime.ts";
import { createLogger } from "../../src/observability/logger.ts";
import type { Clock } from "../../src/kernel/deps.ts";
import { TEST_DATABASE_URL } from "./global-setup.ts";

export const LAB_PASSWORD = process.env.MAIL_LAB_PASSWORD ?? "lab-secret";

export const rand = () => randomBytes(4).toString("hex");

export function testEnv(extra: Record<string, string> = {}): Env {
  return loadEnv({
    DATABASE_URL: TEST_DATABASE_URL,
    MAILCASE_REDIS_PREFIX: `mctest-${rand()}`,
    POLL_INTERVAL_MS: "1000",
    // A hung IMAP command costs a test seconds, not the production minute, before the poller reconnects.
    IMAP_TIMEOUT_MS: "10000",
    WORKER_CONCURRENCY: "4",
    // A short coalescing window keeps tests quick; the coalescing test sets its own.
    MAILCASE_COALESCE_MS: "300",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    MAILCASE_LAB_MODE: "1",
    ...extra,
  });
}

/** Removes every row (sequences restart) so each test file starts from an empty helpdesk. */
export async function resetDb(rt: Runtime): Promise<void> {
  const tables = await rt.deps.db.$queryRaw<{ tablename: string }[]>`
    SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`;
  await rt.deps.db.$executeRawUnsafe(`TRUNCATE ${tables.map((t) => `"${t.tablename}"`).join(", ")} RESTART IDENTITY CASCADE`);
}

/** A small helpdesk with fresh addresses: support, agents alice (vip owner), bob (auto-follow), dana (area default). */
export function labConfig(id: string, over: (cfg: Record<string, unknown>) => void = () => undefined): HelpdeskConfig {
  const doc: Record<string, unknown> = {
    settings: { defaultArea: "helpdesk", caseTagPrefix: "MC" },
    areas: [{ key: "helpdesk", name: "Helpdesk", agent: "dana", team: "first-line" }],
    mailboxes: [
      {
        key: "support",
        address: `support-${id}@helpdesk.test`,
        name: "ACME Support",
        imap: { host: "127.0.0.1", port: 1143, user: `support-${id}@helpdesk.test`, password: LAB_PASSWORD },
      },
    ],
    agents: [
      { key: "alice", name: "Alice Novak", email: `alice-${id}@helpdesk.test` },
      { key: "bob", name: "Bob Kowalski", email: `bob-${id}@helpdesk.test`, autoFollowAll: true },
      { key: "dana", name: "Dana Li", email: `dana-${id}@helpdesk.test` },
    ],
    teams: [
      { key: "first-line", name: "First line", members: ["bob", "dana"] },
      { key: "vip-desk", name: "VIP desk", members: ["alice", "bob"] },
    ],
    slaContracts: [
      { key: "gold", name: "Gold", targets: { HIGH: { firstResponse: "1h", resolution: "8h" }, NORMAL: { firstResponse: "4h", resolution: "2d" } } },
      { key: "standard", name: "Standard", targets: { NORMAL: { firstResponse: "8h", resolution: "5d" } } },
    ],
    accounts: [{ key: "acme", name: "ACME", domains: ["acme.test"] }],
    contacts: [{ email: `portal-${id}@customer.test`, name: "Petra Portal", portal: true }],
    customerGroups: [
      {
        key: "vip",
        name: "VIP",
        priority: 10,
        sla: "gold",
        defaultPriority: "HIGH",
        members: { accounts: ["acme"], contacts: [`vip-${id}@customer.test`] },
        responsibilities: { helpdesk: { agent: "alice", team: "vip-desk" } },
      },
      { key: "standard", name: "Standard", priority: 50, sla: "standard", members: { domains: ["customer.test"] } },
    ],
  };
  over(doc);
  return parseHelpdeskConfig(doc);
}

export interface App {
  rt: Runtime;
  cfg: HelpdeskConfig;
  support: string;
  close(): Promise<void>;
}

export async function startApp(cfg: HelpdeskConfig, opts: { env?: Env; roles?: ("poller" | "worker")[]; clock?: Clock } = {}): Promise<App> {
  const env = opts.env ?? testEnv();
  const rt = createRuntime(env, { log: createLogger(env.LOG_LEVEL), ...(opts.clock ? { clock: opts.clock } : {}) });
  await resetDb(rt);
  await applyConfig(rt.deps.db, cfg);
  const roles = opts.roles ?? ["poller", "worker"];
  const handles: Handle[] = [];
  if (roles.includes("worker")) handles.push(startWorkers(rt));
  if (roles.includes("poller")) handles.push(await startPollers(rt));
  return {
    rt,
    cfg,
    support: cfg.mailboxes[0]!.address,
    async close() {
      await Promise.all(handles.map((h) => h.close()));
      for (const q of Object.values(rt.deps.queues)) await q.obliterate({ force: true }).catch(() => undefined);
      await rt.close();
    },
  };
}

const smtp = nodemailer.createTransport({ host: "127.0.0.1", port: 2525, secure: false, ignoreTLS: true });

export async function sendMail(msg: SendMailOptions): Promise<string> {
  const info = await smtp.sendMail(msg);
  return info.messageId.replace(/^<|>$/g, "");
}

export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(150);
  }
}

/** Every message in an address's INBOX, parsed. */
export async function inbox(address: string): Promise<ParsedMail[]> {
  const client = new ImapFlow({ host: "127.0.0.1", port: 1143, secure: false, auth: { user: address, pass: LAB_PASSWORD }, logger: false });
  await client.connect();
  try {
    const lock = await client.getMailboxLock("INBOX");
    try {
      const out: ParsedMail[] = [];
      if (client.mailbox && client.mailbox.exists > 0) {
        for await (const m of client.fetch("1:*", { source: true })) if (m.source) out.push(await simpleParser(m.source));
      }
      return out;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

export async function waitForMail(address: string, match: (m: ParsedMail) => boolean, what: string, timeoutMs = 30_000): Promise<ParsedMail> {
  return waitFor(async () => (await inbox(address)).find(match), `${what} in ${address}`, timeoutMs);
}

/** A free loopback port: a link in a mail must name the port the web server really listens on. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * What the benchmarks that run Mailcase as real processes share: a private Redis server, the forked Mailcase
 * nodes (bench-node.ts) with their request channel, the bench helpdesk's configuration, and one rule: every
 * process a run starts is killed when the run ends in any way, so a failed run leaves nothing polling.
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { applyConfig } from "../src/config/apply-config.ts";
import { parseHelpdeskConfig } from "../src/config/helpdesk-config.ts";
import { createDb } from "../src/db/client.ts";
import type { NodeReply, NodeRequest } from "./bench-node.ts";
import { buildProcess } from "../scripts/build.mjs";

export const PASSWORD = process.env.MAIL_LAB_PASSWORD ?? "lab-secret";
/** This run's tag, in addresses and the Redis prefix, so runs never read each other's mail or keys. */
export const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;

const started: ChildProcess[] = [];
process.on("exit", () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** A Redis server of the bench's own (no persistence): its CPU and command counts are then the bench's alone. */
export async function privateRedis(): Promise<{ url: string; pid: number | null; stop(): void }> {
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  started.push(child);
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on("error", () => undefined); // refused while the server starts: retried below
    const ok = await probe.connect().then(() => true, () => false);
    probe.disconnect();
    if (ok) break;
    if (i > 50) throw new Error("bench: private redis-server did not start");
    await sleep(100);
  }
  return { url, pid: child.pid ?? null, stop: () => void child.kill("SIGTERM") };
}

export interface MailcaseNode {
  child: ChildProcess;
  request(req: NodeRequest): Promise<NodeReply>;
}

/**
 * The Mailcase processes run precompiled, as `bin/mailcase.mjs` runs them in production (scripts/build.mjs), so
 * their memory is production's; `tsx` runs the sources through tsx instead (the old way, for comparison).
 * Built at the depth of the sources, build/bench/, as scripts/build.mjs requires.
 */
async function nodeEntry(tsx: boolean): Promise<{ file: string; execArgv: string[] }> {
  // BENCH_NODE_FLAGS: extra node/V8 flags for the Mailcase processes (e.g. heap sizes), to try them under load.
  const flags = (process.env.BENCH_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean);
  // BENCH_CPU_PROF=<dir>: a V8 CPU profile of each Mailcase process, written when it stops (bench/cpu-profile-summary.ts reads it).
  if (process.env.BENCH_CPU_PROF) flags.push("--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`);
  if (tsx) return { file: path.join(import.meta.dirname, "bench-node.ts"), execArgv: [...flags, "--import", "tsx"] };
  const file = path.join(import.meta.dirname, "..", "build", "bench", "bench-node.mjs");
  await buildProcess(path.join(import.meta.dirname, "bench-node.ts"), file);
  return { file, execArgv: flags };
}

/** Forks one Mailcase process (workers, and the poller when asked); resolves once it reports it is running. */
export async function startNode(env: NodeJS.ProcessEnv, poller: boolean, opts: { tsx?: boolean } = {}): Promise<MailcaseNode> {
  const entry = await nodeEntry(opts.tsx ?? false);
  const child = fork(entry.file, poller ? ["poller"] : [], {
    execArgv: entry.execArgv,
    env,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  started.push(child);
  const next = (): Promise<NodeReply> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`bench node exited with ${code}`));
      child.once("exit", onExit);
      child.once("message", (reply: NodeReply) => {
        child.off("exit", onExit);
        resolve(reply);
      });
    });
  await next();
  return {
    child,
    request: (req) => {
      const reply = next();
      child.send(req);
      return reply;
    },
  };
}

/**
 * The bench helpdesk: one lab mailbox, agent dana answering in the helpdesk area, plus `extra` (contracts,
 * groups). The connection is closed at once: it would otherwise sit among the bench database's backends.
 */
export async function configureBenchHelpdesk(dbUrl: string, mailbox: { key: string; address: string; name: string }, dana: string, extra: Record<string, unknown> = {}): Promise<void> {
  const db = createDb(dbUrl);
  await applyConfig(
    db,
    parseHelpdeskConfig({
      settings: { defaultArea: "helpdesk" },
      areas: [{ key: "helpdesk", name: "Helpdesk", agent: "dana" }],
      mailboxes: [{ ...mailbox, imap: { host: "127.0.0.1", port: 1143, user: mailbox.address, password: PASSWORD } }],
      agents: [{ key: "dana", name: "Dana", email: dana }],
      ...extra,
    }),
  );
  await db.$disconnect();
}

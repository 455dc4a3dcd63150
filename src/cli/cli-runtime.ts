/**
 * What the `mailcase` subcommands share: a runtime built for one command and closed after it, the long-lived
 * roles, and the parsing of case numbers and `--as`.
 */
import { InvalidArgumentError } from "commander";
import { loadEnv } from "../config/env.ts";
import { applyMemoryPolicy } from "../app/memory-policy.ts";
import { createRuntime, startPollers, startWeb, startWorkers, type Handle, type Runtime } from "../app/runtime.ts";
import type { AgentViewer } from "../case/access.ts";
import { MAX_CASE_NUMBER, parseCaseNumber } from "../case/case-number.ts";
import { agentViewerByKey } from "./case-view.ts";

/** Runs long-lived roles until SIGINT/SIGTERM, then drains them (workers finish their current job). */
export async function runRoles(roles: ("poller" | "worker" | "web")[]): Promise<void> {
  const rt = createRuntime();
  applyMemoryPolicy(rt.env.MAILCASE_MEMORY_POLICY);
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

export async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = createRuntime(loadEnv(), {});
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

/** `--as <agentKey>`: the agent whose view to show; an unknown key is an error, not an empty view. */
export async function viewerOption(rt: Runtime, key: string | undefined): Promise<AgentViewer | undefined> {
  if (key === undefined) return undefined;
  const viewer = await agentViewerByKey(rt.deps.db, key);
  if (!viewer) throw new Error(`unknown agent "${key}"`);
  return viewer;
}

export const caseNumber = (v: string) => {
  const n = parseCaseNumber(v.trim().replace(/^[A-Z]+-/i, ""));
  if (n === null) throw new InvalidArgumentError(`expected a case number such as 1042 or MC-1042 (at most ${MAX_CASE_NUMBER})`);
  return n;
};

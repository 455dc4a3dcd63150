/**
 * The real `mailcase` CLI in a child process, against this test's database and Redis prefix, as a user runs it.
 * Resolves with the exit code and output instead of throwing, so a test can assert a refusal.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { TEST_DATABASE_URL } from "./global-setup.ts";
import type { App } from "./harness.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

export const runCli = (app: App, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  promisify(execFile)(process.execPath, [path.join(ROOT, "bin/mailcase.mjs"), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, MAILCASE_REDIS_PREFIX: app.rt.env.MAILCASE_REDIS_PREFIX, LOG_LEVEL: "silent", NODE_NO_WARNINGS: "1" },
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

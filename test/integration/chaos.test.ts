/**
 * The fault test in small (the full one is `npm run chaos`): processes SIGKILLed at random and Redis
 * restarted once while mail flows; afterwards every message is exactly one case and every acknowledgement
 * arrived exactly once in the customer's IMAP mailbox.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

describe("chaos (small)", () => {
  it("loses and duplicates nothing while processes die and Redis restarts", async () => {
    const script = path.resolve(import.meta.dirname, "../../bench/chaos.ts");
    const tsx = path.resolve(import.meta.dirname, "../../node_modules/.bin/tsx");
    // The script exits non-zero on a failed check; its summary on stdout says which, so keep it either way.
    const stdout = await promisify(execFile)(tsx, [script, "--messages", "60", "--kills", "4", "--redis-restarts", "1"], {
      timeout: 300_000,
      maxBuffer: 16 * 1024 * 1024,
    }).then(
      (r) => r.stdout,
      (err: { stdout?: string; message: string }) => `${err.stdout ?? ""}\n${err.message}`,
    );
    console.log(stdout);
    const line = stdout.split("\n").find((l) => l.startsWith("{"));
    expect(line, stdout).toBeDefined();
    const summary = JSON.parse(line!) as Record<string, number>;
    expect(summary).toMatchObject({ inbound: 60, cases: 60, quarantined: 0, ackRows: 60, acksMissing: 0, acksDuplicated: 0 });
    expect(stdout).toContain("PASS");
  }, 300_000);
});

/**
 * The offline Prisma bridge drives the stock CLI through migrate dev/deploy/status/diff/reset and generate
 * with no download, leaking no shadow database (tools/bridge-regress.sh).
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

describe("offline Prisma bridge", () => {
  it("runs the whole migration loop through the stock CLI", async () => {
    const script = path.resolve(import.meta.dirname, "../../tools/bridge-regress.sh");
    const { stdout } = await promisify(execFile)("bash", [script], { timeout: 180_000, maxBuffer: 16 * 1024 * 1024 });
    expect(stdout).toContain("bridge-regress: all passed");
  }, 180_000);
});

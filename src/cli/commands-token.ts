/** `mailcase token create|list|revoke`: per-agent API tokens (shown once; stored hashed). */
import type { Command } from "commander";
import { createToken, listTokens, revokeToken, Scopes } from "../api/tokens.ts";
import { withRuntime } from "./cli-runtime.ts";

export function registerTokenCommands(program: Command): void {
  const token = program.command("token").description("API tokens: each acts as its agent");
  token
    .command("create")
    .requiredOption("--agent <key>", "the agent the token acts as")
    .requiredOption("--scopes <list>", "comma-separated: cases:read, cases:write")
    .description("create a token; it is printed once and stored only as a hash")
    .action(async (o: { agent: string; scopes: string }) => {
      const scopes = Scopes.safeParse(o.scopes.split(",").map((s) => s.trim()));
      if (!scopes.success) throw new Error(`--scopes: ${scopes.error.issues[0]?.message ?? "invalid"} (cases:read, cases:write)`);
      const created = await withRuntime((rt) => createToken(rt.deps.db, o.agent, scopes.data));
      if (!created) throw new Error(`unknown or deactivated agent "${o.agent}"`);
      console.log(`token ${created.id} for ${o.agent} (${scopes.data.join(", ")}); it is shown only now:\n${created.token}`);
    });
  token
    .command("list")
    .option("--json")
    .action(async (o: { json?: boolean }) => {
      const rows = await withRuntime((rt) => listTokens(rt.deps.db));
      if (o.json) return console.log(JSON.stringify(rows, null, 2));
      for (const t of rows)
        console.log(`${String(t.id).padStart(4)}  ${t.prefix}…  ${t.agent.padEnd(10)} ${t.scopes.join(",").padEnd(24)} last used ${t.lastUsedAt?.toISOString() ?? "never"}${t.revokedAt ? "  REVOKED" : ""}`);
    });
  token
    .command("revoke")
    .argument("<id>", "token id", (v) => Number(v))
    .action(async (id: number) => {
      const done = await withRuntime((rt) => revokeToken(rt.deps.db, id, rt.deps.clock.now()));
      console.log(done ? `token ${id} revoked` : `token ${id} not found or already revoked`);
      if (!done) process.exitCode = 1;
    });
}

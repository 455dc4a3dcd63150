/** `mailcase webhook list|deliveries|enable`: the subscriptions declared under `webhooks:`, their delivery log. */
import type { Command } from "commander";
import { deliveryLog, enableSubscription, listSubscriptions } from "../pipeline/webhook/webhook-admin.ts";
import { withRuntime } from "./cli-runtime.ts";

export function registerWebhookCommands(program: Command): void {
  const webhook = program.command("webhook").description("webhooks out: subscriptions (declared in the configuration) and their deliveries");
  webhook
    .command("list")
    .option("--json")
    .action(async (o: { json?: boolean }) => {
      const rows = await withRuntime((rt) => listSubscriptions(rt.deps.db));
      if (o.json) return console.log(JSON.stringify(rows, null, 2));
      for (const s of rows)
        console.log(`${s.key.padEnd(16)} ${s.state.padEnd(9)} ${s.url}  [${s.events.join(", ")}]${s.disabledReason ? `\n${" ".repeat(17)}disabled: ${s.disabledReason}` : ""}`);
    });
  webhook
    .command("deliveries")
    .argument("<key>", "subscription key")
    .option("--limit <n>", "most recent first", (v) => Number(v), 20)
    .option("--json")
    .action(async (key: string, o: { limit: number; json?: boolean }) => {
      const rows = await withRuntime((rt) => deliveryLog(rt.deps.db, key, o.limit));
      if (!rows) throw new Error(`no webhook subscription "${key}"`);
      if (o.json) return console.log(JSON.stringify(rows, null, 2));
      for (const d of rows)
        console.log(
          `${String(d.id).padStart(6)}  ${d.createdAt.toISOString()}  ${d.event.padEnd(20)} ${d.status.padEnd(9)} tries ${d.attempts}  ${d.responseCode ?? "-"}  ${d.latencyMs ?? "-"} ms${d.error ? `  ${d.error}` : ""}`,
        );
    });
  webhook
    .command("enable")
    .argument("<key>", "subscription key")
    .description("re-enable a subscription disabled after repeated failure")
    .action(async (key: string) => {
      const done = await withRuntime((rt) => enableSubscription(rt.deps.db, key));
      if (!done) throw new Error(`no webhook subscription "${key}"`);
      console.log(`webhook ${key} enabled`);
    });
}

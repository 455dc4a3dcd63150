/**
 * parseMessage, loaded on first use. Parsing runs in the parse worker threads; the main thread parses itself
 * only on rare paths (a forwarded message's inner mail, an oversize notice's header, the fallback when no worker
 * starts, replay). A static import would load mailparser and its dependencies into every worker and poller
 * process for nothing (with the precompiled build's chunks, a dynamic import really defers them).
 */
import type { ParsedMessage } from "./parsed-message.ts";

export async function parseMessageLazily(raw: Buffer): Promise<ParsedMessage> {
  const { parseMessage } = await import("./parse-message.ts");
  return parseMessage(raw);
}

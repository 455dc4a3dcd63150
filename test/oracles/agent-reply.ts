/**
 * Test oracle, not production code: the first, visibility-only reading of an agent's reply by email
 * (the first non-empty line may carry `#internal` or `#public`). Production parses replies with
 * `parseAgentCommands` (src/pipeline/ingest/agent-commands/parse.ts); this simpler, independent version
 * stays so the property test can check that the full parser reads these replies the same way.
 */
import type { TokenVisibility } from "../../src/threading/reply-token.ts";

export interface AgentReply {
  visibility: "PUBLIC" | "INTERNAL";
  body: string;
  /** The command line that was consumed, if any. */
  command: string | null;
}

/**
 * `#internal` makes the post internal and `#public` makes it public; without a command the visibility of
 * the notification replied to applies, so answering an internal note by email can never leak it.
 */
export function parseAgentReply(text: string, tokenVisibility: TokenVisibility): AgentReply {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const first = lines.findIndex((l) => l.trim() !== "");
  const def = tokenVisibility === "internal" ? "INTERNAL" : "PUBLIC";
  if (first < 0) return { visibility: def, body: "", command: null };
  const m = /^#(internal|public)\b\s*(.*)$/i.exec((lines[first] ?? "").trim());
  if (!m || !m[1]) return { visibility: def, body: text.trim(), command: null };
  const rest = [m[2] ?? "", ...lines.slice(first + 1)].join("\n").trim();
  return { visibility: m[1].toLowerCase() === "internal" ? "INTERNAL" : "PUBLIC", body: rest, command: `#${m[1].toLowerCase()}` };
}

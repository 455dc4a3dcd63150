/**
 * The readable reply of a parsed message: what ingest files on the case stream. Pure.
 *
 * An HTML reply whose client marked its quotes and signature (html-quotes.ts) is trimmed by that structure,
 * which is exact, and then by the line rules for what no mark covers ("Sent from my iPhone" typed as text).
 * Everything else goes through the line rules of trim-reply.ts on the text body.
 */
import type { ParsedMessage } from "./parsed-message.ts";
import { trimReply, type TrimResult } from "./trim-reply.ts";

export function trimMessage(msg: Pick<ParsedMessage, "text" | "replyText">): TrimResult {
  if (msg.replyText !== undefined && msg.replyText.trim() !== "") return { body: trimReply(msg.replyText).body, trimmed: true };
  return trimReply(msg.text);
}

import { createHash } from "node:crypto";

/**
 * The Message-ID of raw RFC 822 bytes without a full MIME parse (the poller stores first and parses
 * later). Messages without one get a stable synthetic id from their content hash, so the per-mailbox
 * Message-ID uniqueness still dedupes them. Pure.
 */
export function messageIdOf(raw: Buffer): { messageId: string; sha256: string } {
  const sha256 = createHash("sha256").update(raw).digest("hex");
  const end = raw.indexOf("\r\n\r\n") >= 0 ? raw.indexOf("\r\n\r\n") : raw.indexOf("\n\n");
  const head = raw.subarray(0, end >= 0 ? end : Math.min(raw.length, 65_536)).toString("latin1").replace(/\r?\n[ \t]+/g, " ");
  const m = /^message-id:\s*<?([^<>\s]+)>?/im.exec(head);
  const messageId = m?.[1] ? m[1].slice(0, 900) : `sha256-${sha256.slice(0, 40)}@mailcase.invalid`;
  return { messageId, sha256 };
}

import { createHash } from "node:crypto";
import { simpleParser, type AddressObject, type ParsedMail } from "mailparser";
import type { Address, ParsedMessage } from "./parsed-message.ts";

/** Strips angle brackets and whitespace from a message id. */
export function normalizeMessageId(raw: string): string {
  return raw.trim().replace(/^<+/, "").replace(/>+$/, "").trim();
}

/** Splits a References/In-Reply-To value into ids; tolerates missing brackets and junk between ids. */
export function splitMessageIds(value: string | string[] | undefined): string[] {
  if (!value) return [];
  const joined = Array.isArray(value) ? value.join(" ") : value;
  const bracketed = joined.match(/<[^<>\s]+>/g);
  const ids = bracketed ?? joined.split(/[\s,]+/);
  return ids.map(normalizeMessageId).filter((id) => id.length > 0);
}

function flattenAddresses(value: AddressObject | AddressObject[] | undefined): Address[] {
  if (!value) return [];
  const objects = Array.isArray(value) ? value : [value];
  const out: Address[] = [];
  const walk = (entries: AddressObject["value"]): void => {
    for (const entry of entries) {
      if (entry.group) walk(entry.group);
      else if (entry.address) out.push({ address: entry.address.toLowerCase(), name: entry.name ?? "" });
    }
  };
  for (const obj of objects) walk(obj.value);
  return out;
}

function headerRecord(parsed: ParsedMail): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (const { key, line } of parsed.headerLines) {
    const colon = line.indexOf(":");
    const value = (colon >= 0 ? line.slice(colon + 1) : line).replace(/\r?\n[ \t]+/g, " ").trim();
    (headers[key.toLowerCase()] ??= []).push(value);
  }
  return headers;
}

/**
 * Parses raw RFC 822 bytes into a ParsedMessage. Never throws for malformed content that mailparser
 * can still walk; callers treat a thrown error as "quarantine with reason".
 */
export async function parseMessage(raw: Buffer): Promise<ParsedMessage> {
  const parsed = await simpleParser(raw, { skipImageLinks: true, keepCidLinks: true });
  const headers = headerRecord(parsed);
  const contentTypeHeader = parsed.headers.get("content-type");
  const contentType =
    typeof contentTypeHeader === "object" && contentTypeHeader !== null && "value" in contentTypeHeader
      ? String(contentTypeHeader.value).toLowerCase()
      : "text/plain";
  const deliveredTo = [...(headers["delivered-to"] ?? []), ...(headers["x-original-to"] ?? [])].map((v) =>
    normalizeMessageId(v).toLowerCase(),
  );
  return {
    messageId: parsed.messageId ? normalizeMessageId(parsed.messageId) : null,
    inReplyTo: splitMessageIds(parsed.inReplyTo),
    references: splitMessageIds(parsed.references),
    subject: parsed.subject ?? "",
    from: flattenAddresses(parsed.from)[0] ?? null,
    replyTo: flattenAddresses(parsed.replyTo),
    to: flattenAddresses(parsed.to),
    cc: flattenAddresses(parsed.cc),
    deliveredTo,
    date: parsed.date ?? null,
    headers,
    contentType,
    text: (parsed.text ?? "").replace(/\r\n/g, "\n"),
    html: typeof parsed.html === "string" ? parsed.html : null,
    rawText: raw.subarray(0, 512 * 1024).toString("latin1"),
    attachments: parsed.attachments.map((a) => ({
      filename: a.filename ?? null,
      // Some broken parts carry their parameters in the type ("text/plain charset=…"): keep the type only.
      contentType: a.contentType.toLowerCase().split(/[;\s]/)[0] ?? "application/octet-stream",
      size: a.size,
      contentId: a.cid ?? null,
      inline: a.contentDisposition === "inline" || Boolean(a.related),
      sha256: createHash("sha256").update(a.content).digest("hex"),
      content: a.content,
    })),
  };
}

import { createHash } from "node:crypto";
import libmime from "libmime";
import { simpleParser, type AddressObject, type Attachment, type ParsedMail, type SimpleParserOptions } from "mailparser";
import { headerBlockWithSupersetLabels, SupersetDecodeStream } from "./charset.ts";
import { stripHtmlQuotes } from "./html-quotes.ts";
import { namedInlineTextAsAttachment } from "./inline-text-files.ts";
import { htmlToTextFallback } from "./html-text.ts";
import type { Address, ParsedAttachment, ParsedMessage } from "./parsed-message.ts";
import { safeFilename } from "./safe-filename.ts";
import { findUuencodedFiles, withoutBlocks, type UuencodedFile } from "./uuencode.ts";

// Re-exported: tests and other folders import them from here.
export { supersetCharset } from "./charset.ts";
export { htmlToTextFallback } from "./html-text.ts";
export { findUuencodedFiles } from "./uuencode.ts";
export { safeFilename } from "./safe-filename.ts";

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

/**
 * One plain mailbox address. mailparser passes "<a@evil.test,b@corp.test>" through as ONE address; handed to
 * nodemailer later as a string it would be split into two recipients (our acknowledgement to a stranger).
 * Anything with list separators, brackets, quotes, spaces or control characters is not an address we mail.
 */
const PLAIN_ADDRESS = /^[^\s,;:<>()"\[\]\\\x00-\x1f\x7f]+@[^\s,;:<>()"\[\]\\@\x00-\x1f\x7f]+$/;

function flattenAddresses(value: AddressObject | AddressObject[] | undefined): Address[] {
  if (!value) return [];
  const objects = Array.isArray(value) ? value : [value];
  const out: Address[] = [];
  const walk = (entries: AddressObject["value"]): void => {
    for (const entry of entries) {
      if (entry.group) walk(entry.group);
      else if (entry.address && PLAIN_ADDRESS.test(entry.address)) out.push({ address: entry.address.toLowerCase(), name: entry.name ?? "" });
    }
  };
  for (const obj of objects) walk(obj.value);
  return out;
}

/**
 * Collected in a Map and turned into an object with own properties, because a plain `{}` accumulator
 * resolves a header named "constructor" or "__proto__" to an Object.prototype member and then throws,
 * which quarantined an otherwise fine message on a header any sender can add.
 */
function headerRecord(parsed: ParsedMail): Record<string, string[]> {
  const headers = new Map<string, string[]>();
  for (const { key, line } of parsed.headerLines) {
    const colon = line.indexOf(":");
    const value = (colon >= 0 ? line.slice(colon + 1) : line).replace(/\r?\n[ \t]+/g, " ").trim();
    const name = key.toLowerCase();
    const values = headers.get(name);
    if (values) values.push(value);
    else headers.set(name, [value]);
  }
  return Object.fromEntries(headers);
}

/**
 * HTML parts longer than this are not handed to html-to-text: its cost is linear but steep (about 1 s per MiB
 * of table rows or links on a busy host), while real HTML mail stays far below. Larger HTML gets
 * {@link htmlToTextFallback} instead, so the text is never empty just because the HTML was big.
 */
const MAX_HTML_TO_TEXT_CHARS = 1024 * 1024;

const PARSER_OPTIONS: SimpleParserOptions = {
  skipImageLinks: true,
  keepCidLinks: true,
  maxHtmlLengthToParse: MAX_HTML_TO_TEXT_CHARS,
  Iconv: SupersetDecodeStream,
};

/**
 * The text body: mailparser's, or derived from the HTML where mailparser left it empty. mailparser converts HTML
 * only in a single-part message or next to a text part, so HTML-only multipart mail (HTML plus inline images in
 * multipart/related, HTML parts in multipart/mixed, an empty text/plain alternative) came without text; and it
 * gives up (textConversionError) on HTML over maxHtmlLengthToParse or nested deeper than html-to-text can walk.
 * The derivation re-parses the HTML as a single-part message, so it gets mailparser's own conversion with the
 * same guards; whatever is still refused goes through the linear fallback. A case is never filed without text
 * just because its HTML was big or unusually packaged.
 */
async function bodyText(parsed: ParsedMail, contentType: string): Promise<string> {
  const text = (parsed.text ?? "").replace(/\r\n/g, "\n");
  const html = parsed.html;
  if (text.trim() !== "" || typeof html !== "string" || html.trim() === "") return text;
  if (parsed.textConversionError || html.length > MAX_HTML_TO_TEXT_CHARS) return htmlToTextFallback(html);
  if (contentType === "text/html") return text; // mailparser converted it already: the HTML has no text
  return htmlAsText(html);
}

/** HTML converted by mailparser's own html-to-text settings (re-parsed as a single-part message). */
async function htmlAsText(html: string): Promise<string> {
  const single = await simpleParser(Buffer.from(`Content-Type: text/html; charset=utf-8\r\n\r\n${html}`, "utf8"), PARSER_OPTIONS);
  if (single.textConversionError) return htmlToTextFallback(html);
  // html-to-text writes an image without alt text as "[src]": for the embedded images of such mail that is a
  // "[cid:…]" reference that means nothing to a reader of the text.
  return (single.text ?? "").replace(/\r\n/g, "\n").replace(/[ \t]*\[cid:[^\]\s]*\]/g, "").trim();
}

/** The reply's text with client-marked quotes removed in the HTML (see ParsedMessage.replyText), or undefined. */
async function replyTextOf(html: string | null): Promise<string | undefined> {
  if (html === null || html.length > MAX_HTML_TO_TEXT_CHARS) return undefined;
  let stripped: string | null;
  try {
    stripped = stripHtmlQuotes(html);
  } catch {
    return undefined; // a structure the HTML parser cannot serialise: the text trimmer still runs on `text`
  }
  return stripped === null ? undefined : htmlAsText(stripped);
}

const UUENCODE_TRANSFER_ENCODINGS = new Set(["x-uuencode", "uuencode", "x-uue", "x-uu"]);

function toAttachment(a: Attachment, cidsInHtml: ReadonlySet<string>): ParsedAttachment {
  let content = a.content;
  let filename = a.filename ?? null;
  const cte = a.headers.get("content-transfer-encoding");
  if (typeof cte === "string" && UUENCODE_TRANSFER_ENCODINGS.has(cte.trim().toLowerCase())) {
    const [file] = findUuencodedFiles(content.toString("latin1"));
    if (file) {
      content = file.content;
      filename ??= file.filename;
    }
  }
  const contentId = a.cid ?? null;
  // Some broken parts carry their parameters in the type ("text/plain charset=…"): keep the type only.
  const contentType = a.contentType.toLowerCase().split(/[;\s]/)[0] ?? "application/octet-stream";
  // A part with a Content-ID and no Content-Disposition outside multipart/related (Outlook and some mobile
  // clients send images in multipart/mixed) is an embedded image when it is one or the HTML points at it.
  const embedded = contentId !== null && !a.headers.has("content-disposition") && (contentType.startsWith("image/") || cidsInHtml.has(contentId));
  return {
    filename: filename === null ? null : safeFilename(filename),
    originalFilename: filename,
    contentType,
    size: content === a.content ? a.size : content.length,
    contentId,
    inline: a.contentDisposition === "inline" || Boolean(a.related) || embedded,
    sha256: createHash("sha256").update(content).digest("hex"),
    content,
  };
}

function uuencodedAttachment(file: UuencodedFile): ParsedAttachment {
  return {
    filename: safeFilename(file.filename),
    originalFilename: file.filename,
    contentType: libmime.detectMimeType(file.filename) || "application/octet-stream",
    size: file.content.length,
    contentId: null,
    inline: false,
    sha256: createHash("sha256").update(file.content).digest("hex"),
    content: file.content,
  };
}

/** Every `cid:` target the HTML references, collected in one pass (checking each attachment would rescan it). */
function cidReferences(html: string | null): Set<string> {
  const cids = new Set<string>();
  if (!html) return cids;
  for (const m of html.matchAll(/cid:([^"'\s>)]+)/gi)) if (m[1]) cids.add(m[1]);
  return cids;
}

/**
 * Parses raw RFC 822 bytes into a ParsedMessage. Never throws for malformed content that mailparser
 * can still walk; callers treat a thrown error as "quarantine with reason".
 */
export async function parseMessage(raw: Buffer): Promise<ParsedMessage> {
  const original = await simpleParser(raw, PARSER_OPTIONS);
  // Named inline text parts are files (inline-text-files.ts): parsed again with them as attachments. When that
  // leaves no text at all, the file was the only text and stays the body too (from the first parse).
  const withFiles = namedInlineTextAsAttachment(raw);
  const filesParsed = withFiles ? await simpleParser(withFiles, PARSER_OPTIONS) : null;
  const hasBody = (p: ParsedMail): boolean => (p.text ?? "").trim() !== "" || (typeof p.html === "string" && p.html.trim() !== "");
  const parsed = filesParsed && hasBody(filesParsed) ? filesParsed : original;
  const files = filesParsed ?? original;
  const relabelled = headerBlockWithSupersetLabels(raw);
  // Decoded by mailparser's own header code, only with superset labels, so names and subjects stay consistent.
  const top = relabelled ? await simpleParser(Buffer.concat([relabelled, Buffer.from("\r\n")]), PARSER_OPTIONS) : parsed;
  const headers = headerRecord(parsed);
  const contentTypeHeader = parsed.headers.get("content-type");
  const contentType =
    typeof contentTypeHeader === "object" && contentTypeHeader !== null && "value" in contentTypeHeader
      ? String(contentTypeHeader.value).toLowerCase()
      : "text/plain";
  const deliveredTo = [...(headers["delivered-to"] ?? []), ...(headers["x-original-to"] ?? [])].map((v) =>
    normalizeMessageId(v).toLowerCase(),
  );
  const html = typeof parsed.html === "string" ? parsed.html : null;
  const text = await bodyText(parsed, contentType);
  const uuencoded = findUuencodedFiles(text);
  const cids = cidReferences(html);
  const replyText = await replyTextOf(html);
  return {
    messageId: parsed.messageId ? normalizeMessageId(parsed.messageId) : null,
    inReplyTo: splitMessageIds(parsed.inReplyTo),
    references: splitMessageIds(parsed.references),
    subject: top.subject ?? "",
    from: flattenAddresses(top.from)[0] ?? null,
    replyTo: flattenAddresses(top.replyTo),
    to: flattenAddresses(top.to),
    cc: flattenAddresses(top.cc),
    deliveredTo,
    date: parsed.date ?? null,
    headers,
    contentType,
    text: uuencoded.length > 0 ? withoutBlocks(text, uuencoded) : text,
    html,
    ...(replyText === undefined ? {} : { replyText }),
    rawText: raw.subarray(0, 512 * 1024).toString("latin1"),
    attachments: [...files.attachments.map((a) => toAttachment(a, cids)), ...uuencoded.map(uuencodedAttachment)],
  };
}

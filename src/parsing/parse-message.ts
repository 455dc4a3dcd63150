import { createHash } from "node:crypto";
import { Transform } from "node:stream";
import libmime from "libmime";
import { simpleParser, type AddressObject, type Attachment, type ParsedMail, type SimpleParserOptions } from "mailparser";
import type { Address, ParsedAttachment, ParsedMessage } from "./parsed-message.ts";

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
 * Declared charset → the superset we decode it with. Senders routinely label text with the smaller standard
 * while writing characters of its superset (GBK or GB18030 text sent as "gb2312", Windows-1252 quotes and €
 * sent as "iso-8859-1", Unified Hangul sent as "ks_c_5601-1987"); the superset decodes every byte sequence of
 * the declared charset the same way, so widening never hurts correctly labelled mail. Keys are libmime's
 * canonical names, lower-cased (libmime already folds gb2312 → GBK, latin1 → windows-1252, euc-kr → cp949
 * inside iconv-lite): GBK → GB18030 is the one widening it lacks, the rest are listed to make the chain explicit.
 */
const SUPERSET_CHARSETS: ReadonlyMap<string, string> = new Map([
  ["gbk", "gb18030"],
  ["euc-cn", "gb18030"],
  ["cp936", "gb18030"],
  ["ms936", "gb18030"],
  ["windows-936", "gb18030"],
  ["windows-1252", "windows-1252"],
  ["euc-kr", "cp949"],
]);

/**
 * The charset to decode text declared as `declared` with: its superset when it has one, else the name as given.
 * An unknown name is returned unchanged; libmime then decodes as UTF-8 with U+FFFD for invalid bytes, so an
 * unknown charset never throws (the last step of the chain: declared → superset → replacement characters).
 */
export function supersetCharset(declared: string): string {
  return SUPERSET_CHARSETS.get(libmime.normalizeCharset(declared).toLowerCase()) ?? declared;
}

/**
 * mailparser's `Iconv` hook, used as a constructor for every text body that is not UTF-8/ASCII. It yields
 * libmime's own decode stream (what mailparser uses without the hook, so Japanese charsets, multibyte characters
 * split across chunks and the UTF-7 refusal behave exactly the same) for the superset charset. mailparser strips
 * refused charsets (UTF-7) before calling the hook.
 */
class SupersetDecodeStream extends Transform {
  constructor(fromCharset: string) {
    super();
    // A constructor that returns an object makes `new` yield that object; the Transform built by super() is dropped.
    return libmime.createDecodeStream(supersetCharset(fromCharset));
  }
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

/** An RFC 2047 encoded word's opening `=?charset*lang?X?`: groups charset, language suffix, encoding. */
const ENCODED_WORD_OPENING = /=\?([^?*\s]+)(\*[^?\s]*)?\?([BbQq])\?/g;

/**
 * The top-level header block with encoded words relabelled to their superset charset, or null when no label
 * needs it (the common case: nothing to re-parse). Header decoding in libmime does not go through the `Iconv`
 * hook, so "=?gb2312?B?…?=" carrying GB18030 four-byte sequences would otherwise decode to mojibake. Only the
 * top-level header block is rewritten: part headers would need a MIME walk and only carry filenames, where GBK
 * decoding (libmime's own widening of gb2312) is enough in practice.
 */
function headerBlockWithSupersetLabels(raw: Buffer): Buffer | null {
  const ends = [raw.indexOf("\n\n"), raw.indexOf("\n\r\n")].filter((i) => i >= 0);
  const block = ends.length > 0 ? raw.subarray(0, Math.min(...ends) + 1) : raw;
  const text = block.toString("latin1");
  let changed = false;
  const relabelled = text.replace(ENCODED_WORD_OPENING, (word: string, charset: string, lang: string | undefined, enc: string) => {
    const wider = supersetCharset(charset);
    if (libmime.normalizeCharset(wider) === libmime.normalizeCharset(charset)) return word;
    changed = true;
    return `=?${wider}${lang ?? ""}?${enc}?`;
  });
  return changed ? Buffer.from(relabelled, "latin1") : null;
}

/** Names of U+00A0–U+00FF in order: the HTML 4 Latin-1 entities, the ones old mail editors write for accents. */
const LATIN1_ENTITY_NAMES =
  "nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para " +
  "middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute " +
  "Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute " +
  "THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde " +
  "ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml";

/**
 * Named entities the fallback decodes: Latin-1, Central European letters, common punctuation. Anything else stays
 * as written: the fallback is best effort, and the full HTML5 table (2,000+ names) is html-to-text's job.
 */
const NAMED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ...LATIN1_ENTITY_NAMES.split(" ").map((name, i) => [name, String.fromCharCode(0xa0 + i)] as const),
  ...Object.entries({
    amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", euro: "€", trade: "™", hellip: "…", mdash: "—", ndash: "–",
    lsquo: "‘", rsquo: "’", sbquo: "‚", ldquo: "“", rdquo: "”", bdquo: "„", bull: "•", OElig: "Œ", oelig: "œ",
    Ccaron: "Č", ccaron: "č", Dcaron: "Ď", dcaron: "ď", Ecaron: "Ě", ecaron: "ě", Ncaron: "Ň", ncaron: "ň",
    Rcaron: "Ř", rcaron: "ř", Scaron: "Š", scaron: "š", Tcaron: "Ť", tcaron: "ť", Zcaron: "Ž", zcaron: "ž",
    Uring: "Ů", uring: "ů", Aogon: "Ą", aogon: "ą", Eogon: "Ę", eogon: "ę", Lstrok: "Ł", lstrok: "ł",
    Cacute: "Ć", cacute: "ć", Nacute: "Ń", nacute: "ń", Sacute: "Ś", sacute: "ś", Zacute: "Ź", zacute: "ź",
    Zdot: "Ż", zdot: "ż",
  }),
]);

function decodeEntities(text: string): string {
  return text.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z][a-zA-Z0-9]{1,7});/g, (entity: string, body: string) => {
    if (body.startsWith("#")) {
      const code = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : "\uFFFD";
    }
    // Entity names are case-sensitive (&Aacute; is not &aacute;); the lower-case retry serves &AMP; and friends.
    return NAMED_ENTITIES.get(body) ?? NAMED_ENTITIES.get(body.toLowerCase()) ?? entity;
  });
}

/** What the fallback does at an element: skip its content (raw-text elements, templates), break the line, or space. */
const ELEMENT_ACTIONS: ReadonlyMap<string, "skip" | "line" | "space"> = new Map([
  ...["script", "style", "template", "title"].map((name) => [name, "skip"] as const),
  ...["br", "p", "div", "tr", "li", "ul", "ol", "dl", "dt", "dd", "table", "blockquote", "pre", "hr", "h1", "h2", "h3", "h4",
    "h5", "h6", "section", "article", "header", "footer", "address", "center", "form", "fieldset"].map((name) => [name, "line"] as const),
  ...["td", "th"].map((name) => [name, "space"] as const),
]);

/** A run of text between tags: source whitespace collapses to one space (only elements break lines), entities decoded. */
function textRun(run: string): string {
  const collapsed = run.replace(/[ \t\r\n\f\v]+/g, " ");
  return collapsed.includes("&") ? decodeEntities(collapsed) : collapsed;
}

/** Index of the `</name` that closes a raw-text element, matched case-insensitively without lower-casing the input. */
function indexOfClosingTag(html: string, name: string, from: number): number {
  for (let i = html.indexOf("</", from); i >= 0; i = html.indexOf("</", i + 2)) {
    if (html.slice(i + 2, i + 2 + name.length).toLowerCase() === name) return i;
  }
  return -1;
}

/**
 * Plain text from HTML in one linear pass, for HTML too large for html-to-text (see MAX_HTML_TO_TEXT_CHARS) or
 * nested deeper than it accepts. Tags are dropped, script/style content skipped, block elements become line
 * breaks, common entities decoded. Cruder than html-to-text (no link targets, no tables, no lists) but it can
 * not be made slow: every search moves forward, and a search that finds nothing ends the scan.
 */
export function htmlToTextFallback(html: string): string {
  const out: string[] = [];
  // Breaks between elements are held back until text follows, so runs of empty cells and rows (the bulk of a
  // big table) cost no output at all: only "space" or "line" is remembered, the stronger one winning.
  let pending: "" | " " | "\n" = "";
  const emit = (run: string): void => {
    const text = textRun(run);
    if (text.trim() === "") {
      if (text !== "" && pending === "") pending = " ";
      return;
    }
    if (pending !== "") out.push(pending);
    out.push(text);
    pending = "";
  };
  let pos = 0;
  while (pos < html.length) {
    const lt = html.indexOf("<", pos);
    if (lt !== pos) emit(html.slice(pos, lt < 0 ? html.length : lt));
    if (lt < 0) break;
    if (html.startsWith("<!--", lt)) {
      const end = html.indexOf("-->", lt + 4);
      pos = end < 0 ? html.length : end + 3;
      continue;
    }
    const closing = html.charCodeAt(lt + 1) === 0x2f; // "/"
    const nameStart = closing ? lt + 2 : lt + 1;
    let nameEnd = nameStart;
    while (nameEnd < html.length && nameEnd - nameStart < 16 && isTagNameChar(html.charCodeAt(nameEnd), nameEnd === nameStart)) nameEnd++;
    const markup = html[lt + 1] === "!" || html[lt + 1] === "?"; // <!doctype …>, <?xml …?>
    if (nameEnd === nameStart && !markup) {
      emit("<"); // not a tag: a literal "<" in text
      pos = lt + 1;
      continue;
    }
    const gt = html.indexOf(">", nameEnd);
    if (gt < 0) break; // an unterminated tag runs to the end, as in a browser
    pos = gt + 1;
    if (markup) continue;
    const name = html.slice(nameStart, nameEnd);
    const action = ELEMENT_ACTIONS.get(name) ?? ELEMENT_ACTIONS.get(name.toLowerCase());
    if (action === "skip" && !closing) {
      const end = indexOfClosingTag(html, name.toLowerCase(), pos);
      const endGt = end < 0 ? -1 : html.indexOf(">", end);
      pos = endGt < 0 ? html.length : endGt + 1;
    } else if (action === "line") {
      pending = "\n";
    } else if (action === "space" && pending === "") {
      pending = " ";
    }
  }
  return out.join("").replace(/ *\n */g, "\n").trim();
}

/** ASCII letters, and digits after the first character: what an HTML tag name is made of. */
function isTagNameChar(code: number, first: boolean): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (!first && code >= 0x30 && code <= 0x39);
}

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
  const single = await simpleParser(Buffer.from(`Content-Type: text/html; charset=utf-8\r\n\r\n${html}`, "utf8"), PARSER_OPTIONS);
  if (single.textConversionError) return htmlToTextFallback(html);
  // html-to-text writes an image without alt text as "[src]": for the embedded images of such mail that is a
  // "[cid:…]" reference that means nothing to a reader of the text.
  return (single.text ?? "").replace(/\r\n/g, "\n").replace(/[ \t]*\[cid:[^\]\s]*\]/g, "").trim();
}

/** A uuencoded file found in text: where its block sits and what it holds. */
interface UuencodedFile {
  start: number;
  end: number;
  filename: string;
  content: Buffer;
}

/**
 * Decodes the uuencoded lines in text[from, to) up to the zero-length line; null when a line is not uuencode.
 * Stops at the first bad line, and a "begin" line is never valid uuencode, so no text is decoded twice.
 */
function uudecode(text: string, from: number, to: number): Buffer | null {
  const lines: Buffer[] = [];
  for (let pos = from; pos < to; ) {
    const nl = text.indexOf("\n", pos);
    const lineEnd = nl < 0 || nl > to ? to : nl;
    const line = text.slice(pos, lineEnd).replace(/\r$/, "");
    pos = lineEnd + 1;
    // The zero-length line ends the data; written as "`" or as " ", which trailing-space trimming leaves empty.
    const count = line.length === 0 ? 0 : (line.charCodeAt(0) - 32) & 63;
    if (count === 0) break;
    // Some encoders and transports trim trailing spaces, which encode zero bits: pad them back.
    const data = line.slice(1, 1 + Math.ceil(count / 3) * 4).padEnd(Math.ceil(count / 3) * 4, " ");
    for (let i = 0; i < data.length; i++) {
      const c = data.charCodeAt(i);
      if (c < 32 || c > 96) return null;
    }
    const v = (i: number): number => (data.charCodeAt(i) - 32) & 63;
    const bytes: number[] = [];
    for (let i = 0; i < data.length; i += 4) {
      bytes.push(((v(i) << 2) | (v(i + 1) >> 4)) & 255, ((v(i + 1) << 4) | (v(i + 2) >> 2)) & 255, ((v(i + 2) << 6) | v(i + 3)) & 255);
    }
    lines.push(Buffer.from(bytes.slice(0, count)));
  }
  return Buffer.concat(lines);
}

/**
 * uuencoded files in a text ("begin 644 name" … "end"), as old clients, scanners and fax gateways still send them
 * inline in a text/plain body or as a Content-Transfer-Encoding: x-uuencode part; mailparser does not know the
 * encoding, so without this the file is lost in the body text. Blocks that do not decode are left alone. Linear:
 * "end" lines are found once, and each "begin" takes the next one after it.
 */
export function findUuencodedFiles(text: string): UuencodedFile[] {
  if (!text.includes("begin ")) return [];
  const ends = [...text.matchAll(/^end[ \t]*\r?$/gm)].map((m) => ({ at: m.index, length: m[0].length }));
  const files: UuencodedFile[] = [];
  let nextEnd = 0;
  const begin = /^begin [0-7]{3,4} ([^\n]*\S)[ \t]*\r?$/gm;
  for (let match = begin.exec(text); match; match = begin.exec(text)) {
    const bodyStart = match.index + match[0].length + 1;
    while (nextEnd < ends.length && (ends[nextEnd]?.at ?? 0) < bodyStart) nextEnd++;
    const end = ends[nextEnd];
    if (!end) break;
    const content = uudecode(text, bodyStart, end.at);
    if (!content || !match[1]) continue;
    const blockEnd = Math.min(text.length, end.at + end.length + 1);
    files.push({ start: match.index, end: blockEnd, filename: match[1], content });
    begin.lastIndex = blockEnd;
  }
  return files;
}

/** The text without the uuencoded blocks; a blank line left on both sides of a block is kept once. */
function withoutBlocks(text: string, files: UuencodedFile[]): string {
  let out = "";
  let pos = 0;
  for (const f of files) {
    out += text.slice(pos, f.start);
    pos = f.end;
    if (out.endsWith("\n\n") && text[pos] === "\n") pos++;
  }
  return out + text.slice(pos);
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
    filename,
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
    filename: file.filename,
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
  const parsed = await simpleParser(raw, PARSER_OPTIONS);
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
    rawText: raw.subarray(0, 512 * 1024).toString("latin1"),
    attachments: [...parsed.attachments.map((a) => toAttachment(a, cids)), ...uuencoded.map(uuencodedAttachment)],
  };
}

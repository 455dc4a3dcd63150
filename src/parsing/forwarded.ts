/**
 * The customer's message inside an agent's forward. Two shapes, tried in order:
 *  1. attached as message/rfc822 ("forward as attachment"): the original, whole, with its Message-ID and
 *     References, so it threads exactly as if the customer had written to us;
 *  2. inline, under the client's separator ("---------- Forwarded message ---------" and its translations,
 *     or Outlook's "From:/Sent:/To:/Subject:" block): the quoted header lines give sender, subject and date,
 *     the text below them is the body. The original's Message-ID is lost there; threading falls back to
 *     the subject tag.
 * Returns null when neither is found: the caller explains that to the agent instead of guessing.
 */
import type { Address, ParsedMessage } from "./parsed-message.ts";
import { FORWARD, ORIGINAL_MESSAGE } from "./reply-lines.ts";
import { alternation, CC_NAMES, DATE_NAMES, FROM_NAMES, SUBJECT_NAMES, TO_NAMES } from "./reply-patterns.ts";

/** The client's separator above a forwarded mail: the same markers reply trimming keeps or cuts at. */
const isSeparator = (line: string): boolean => FORWARD.test(line) || ORIGINAL_MESSAGE.test(line);

/** Quoted-header field names by field, from the same per-language table reply trimming uses. */
const FIELD: ReadonlyMap<string, "from" | "date" | "subject" | "to" | "cc"> = new Map([
  ...CC_NAMES.map((n) => [n, "cc"] as const),
  ...TO_NAMES.map((n) => [n, "to"] as const),
  ...SUBJECT_NAMES.map((n) => [n, "subject"] as const),
  ...DATE_NAMES.map((n) => [n, "date"] as const),
  ...FROM_NAMES.map((n) => [n, "from"] as const),
]);
const HEADER = new RegExp(`^[ \\t>*]*(${alternation([...FIELD.keys()])})[ \\t*]*[:：][ \\t]*(.*)$`, "iu");
const fieldOf = (line: string): { field: "from" | "date" | "subject" | "to" | "cc"; value: string } | null => {
  const m = HEADER.exec(line);
  const field = m?.[1] ? FIELD.get(m[1].toLowerCase()) : undefined;
  return field ? { field, value: m![2]!.trim() } : null;
};

/** "Jana Nováková <jana@x.cz>", "jana@x.cz", "\"Jana\" [mailto:jana@x.cz]" → an Address, or null. */
export function parseQuotedAddress(value: string): Address | null {
  const plain = value.replace(/mailto:/gi, " ");
  const m = /([^\s<>"'[\]():;,]+@[^\s<>"'[\]():;,]+\.[^\s<>"'[\]():;,]+)/.exec(plain);
  if (!m?.[1]) return null;
  const name = plain.slice(0, m.index).replace(/[<["'(]+\s*$/, "").replace(/^["'\s]+|["'\s]+$/g, "").trim();
  return { address: m[1].toLowerCase(), name };
}

/** The inline forward in `text`, as fields and body; null when there is no forwarded header block. Pure. */
export function parseInlineForward(text: string): { from: Address; subject: string; date: string | null; to: Address[]; body: string } | null {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let i = lines.findIndex(isSeparator);
  // Outlook has no separator line: the block starts with its "From:" line.
  i = i >= 0 ? i + 1 : lines.findIndex((l) => fieldOf(l)?.field === "from");
  if (i < 0) return null;
  while (i < lines.length && lines[i]!.trim() === "") i++;
  const fields: Partial<Record<"from" | "date" | "subject" | "to" | "cc", string>> = {};
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") break;
    const f = fieldOf(line);
    if (f) fields[f.field] = f.value;
    else if (/^[ \t]/.test(line) && Object.keys(fields).length) continue; // a wrapped header value
    else break;
  }
  const from = fields.from ? parseQuotedAddress(fields.from) : null;
  if (!from) return null;
  const body = lines
    .slice(i)
    .map((l) => l.replace(/^>[ \t]?/, ""))
    .join("\n")
    .trim();
  const to = (fields.to ?? "").split(/[,;]/).map(parseQuotedAddress).filter((a): a is Address => a !== null);
  return { from, subject: fields.subject ?? "", date: fields.date ?? null, to, body };
}

/**
 * The forwarded customer message of an agent's mail, or null. `parse` is parseMessage (injected so this
 * module stays free of the parser's cost in unit tests).
 */
export async function extractForwarded(msg: ParsedMessage, parse: (raw: Buffer) => Promise<ParsedMessage>): Promise<ParsedMessage | null> {
  const attached = msg.attachments.find((a) => a.contentType === "message/rfc822");
  if (attached) {
    const original = await parse(attached.content);
    if (original.from) return original;
  }
  const inline = parseInlineForward(msg.text);
  if (!inline) return null;
  const date = inline.date ? new Date(inline.date) : null;
  return {
    messageId: null,
    inReplyTo: [],
    references: [],
    subject: inline.subject,
    from: inline.from,
    replyTo: [],
    to: inline.to,
    cc: [],
    deliveredTo: [],
    date: date && !Number.isNaN(date.getTime()) ? date : null,
    headers: {},
    contentType: "text/plain",
    text: inline.body,
    html: null,
    // Files the agent forwarded along belong to the customer's message.
    attachments: msg.attachments,
    rawText: inline.body,
  };
}

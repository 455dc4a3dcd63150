/**
 * Who a bounce failed for, with which status, and which of our messages it returns. Pure. Reads, in order of
 * trust: RFC 3464 per-recipient fields, X-Failed-Recipients, the notice's own layout (Sendmail, qmail, Exim,
 * Exchange, …), and as a last resort the returned message's To.
 */
import type { ParsedMessage } from "../parsed-message.ts";
import type { BounceRecipient, BounceReferences, Classification } from "./classification.ts";
import { header } from "./message-headers.ts";

/**
 * The message text to read a bounce from. When mailparser cannot walk a broken MIME structure (bad
 * boundaries, unfolded parameters) it yields no text at all; the raw body is then the only source.
 */
export function bounceText(msg: ParsedMessage): string {
  if (msg.text.trim() !== "") return msg.text;
  const raw = msg.rawText.replace(/\r\n?/g, "\n");
  const bodyStart = raw.search(/\n\n/);
  return bodyStart >= 0 ? raw.slice(bodyStart + 2) : "";
}

export function bounce(msg: ParsedMessage, reason: string): Classification {
  const text = bounceText(msg);
  const { notice } = splitReturned(text);
  const senders = senderAddresses(msg);
  const dsnParts = msg.attachments.filter((a) => /^message\/(global-)?delivery-status$/.test(a.contentType)).map((a) => decode(a.content));

  let recipients = dedupe([...dsnParts, text].flatMap(parseDsnFields));
  // X-Failed-Recipients (Exim, Gmail) is authoritative about *who*; the notice says why.
  if (recipients.length === 0) recipients = headerRecipients(msg).map((r) => ({ ...r, ...explain(notice, r.address) }));
  if (recipients.length === 0) recipients = textRecipients(notice, senders);
  // Broken MIME can push the notice into an attachment ("Content-Type: text/plain" with an unfolded charset).
  for (const a of msg.attachments) {
    if (recipients.length > 0) break;
    if (a.contentType === "text/plain") recipients = textRecipients(splitReturned(decode(a.content)).notice, senders);
  }
  // A bounce wrapped inside message/rfc822 (some gateways forward the DSN they received as an attachment).
  for (const a of msg.attachments) {
    if (recipients.length > 0) break;
    if (a.contentType === "message/rfc822") recipients = dedupe(parseDsnFields(decode(a.content)));
  }
  if (recipients.length === 0) recipients = returnedMessageRecipients(msg, text, senders);
  // One failed recipient: a status anywhere in the notice is about it (Gmail states it paragraphs later).
  const only = recipients.length === 1 ? recipients[0] : undefined;
  if (only && only.status === null) only.status = bestStatus(notice.replace(/#(?=[245]\.)/g, " "));
  return { kind: "bounce", reason, bounce: { recipients, originalMessageId: originalMessageId(msg, text), references: bounceReferences(msg, text) } };
}

/**
 * A mail address as bounces print it. Looser than RFC 5321 on purpose: real DSNs carry quoted local parts
 * and runs of dots ("neko....nyaan"@example.org) that a strict pattern would drop.
 */
const ADDRESS_SRC = `(?:"[^"\\n<>]+"|[a-z0-9!#$%&'*+/=?^_\`{|}~.-]+)@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}`;
const ADDRESS = new RegExp(ADDRESS_SRC, "i");
export const ADDRESS_G = new RegExp(ADDRESS_SRC, "gi");
/** An RFC 3463 enhanced status code not embedded in a longer dotted number (IP addresses, versions). */
const STATUS_G = /(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)/g;

function decode(content: Buffer): string {
  return content.toString("utf8").replace(/\r\n?/g, "\n");
}

function cleanAddress(raw: string): string | null {
  const m = ADDRESS.exec(raw.replace(/^[^;@]*;/, ""));
  return m ? m[0].toLowerCase().replace(/^\.+/, "") : null;
}

/**
 * The most specific status stated: a DSN's `Status: 5.0.0` is often only the class, while the diagnostic
 * ("550 5.7.1 Relaying denied") names the cause; keep the stated code when it is already specific.
 */
export function bestStatus(...sources: Array<string | null | undefined>): string | null {
  const all = sources.flatMap((s) => [...(s ?? "").matchAll(STATUS_G)].map((m) => `${m[1]}.${m[2]}.${m[3]}`));
  // A transcript states every stage ("250 2.1.5 Ok" for RCPT, then "451 4.3.0" at DATA): the status is the
  // stage that failed, so success codes count only when nothing failed.
  const failed = all.filter((c) => c[0] !== "2");
  const codes = failed.length > 0 ? failed : all;
  const stated = codes[0] ?? null;
  if (stated === null || !/\.0\.0$/.test(stated)) return stated;
  return codes.find((c) => c[0] === stated[0] && !/\.0\.0$/.test(c)) ?? stated;
}

export function dedupe(list: BounceRecipient[]): BounceRecipient[] {
  const out: BounceRecipient[] = [];
  for (const r of list) {
    const seen = out.find((o) => o.address === r.address);
    if (!seen) out.push({ ...r });
    else {
      seen.status ??= r.status;
      seen.action ??= r.action;
      seen.diagnostic ??= r.diagnostic;
    }
  }
  return out;
}

/**
 * Addresses of the bounce itself (From/To/Return-Path): the original sender or the daemon, never the failed
 * recipient. Delivered-To/X-Original-To are left out: some MTAs (DragonFly) put the failed address there.
 */
function senderAddresses(msg: ParsedMessage): Set<string> {
  const set = new Set<string>();
  for (const a of [msg.from, ...msg.to, ...msg.replyTo]) if (a) set.add(a.address);
  for (const v of header(msg, "return-path")) {
    const a = cleanAddress(v);
    if (a) set.add(a);
  }
  return set;
}

/**
 * RFC 3464 per-recipient blocks. mailparser inlines a message/delivery-status part into `text`, so one
 * parser reads the part, the text and the raw body. Blocks end at a blank line; a repeated recipient field
 * also starts a new block (some MTAs omit the blank line).
 *
 * The address reported is Original-Recipient when present — the address as *we* wrote it, which is what
 * matches a contact — and Final-Recipient (after alias expansion) otherwise.
 */
export function parseDsnFields(text: string): BounceRecipient[] {
  const out: BounceRecipient[] = [];
  let block: Record<string, string> = {};
  let lastField: string | null = null;
  const flush = (): void => {
    const address = cleanAddress(block["original-recipient"] ?? "") ?? cleanAddress(block["final-recipient"] ?? "");
    if (address) {
      const diagnostic = block["diagnostic-code"]?.replace(/^\s*[\w-]+\s*;\s*/, "").replace(/\s+/g, " ").trim() || null;
      const action = block["action"]?.trim().toLowerCase().split(/[\s(;]/)[0] || null;
      out.push({ address, status: bestStatus(block["status"], diagnostic), action, diagnostic });
    }
    block = {};
    lastField = null;
  };
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      flush();
      continue;
    }
    if (/^[ \t]/.test(line) && lastField) {
      block[lastField] = `${block[lastField] ?? ""} ${line.trim()}`;
      continue;
    }
    const m = /^([A-Za-z][\w-]*)[ \t]*:[ \t]*(.*)$/.exec(line);
    if (!m) {
      lastField = null;
      continue;
    }
    const name = m[1]!.toLowerCase();
    if ((name === "final-recipient" || name === "original-recipient") && block[name] !== undefined) flush();
    block[name] = m[2]!;
    lastField = name;
  }
  flush();
  return out;
}

function headerRecipients(msg: ParsedMessage): BounceRecipient[] {
  const out: BounceRecipient[] = [];
  for (const v of header(msg, "x-failed-recipients")) {
    for (const m of v.matchAll(ADDRESS_G)) out.push({ address: m[0].toLowerCase(), status: null, action: "failed", diagnostic: null });
  }
  return dedupe(out);
}

/** Why `address` failed, from the lines of the notice that follow its first mention. */
function explain(notice: string, address: string): Pick<BounceRecipient, "status" | "diagnostic"> {
  const lines = notice.split("\n");
  const at = lines.findIndex((l) => l.toLowerCase().includes(address));
  if (at < 0) return { status: bestStatus(notice), diagnostic: null };
  return explainAt(lines, at);
}

function explainAt(lines: string[], at: number): Pick<BounceRecipient, "status" | "diagnostic"> {
  const tail: string[] = [];
  for (let i = at; i < lines.length && i < at + 8; i++) {
    if (i > at && lines[i]!.trim() === "") break;
    tail.push(lines[i]!.trim());
  }
  const context = tail.join(" ").replace(/\s+/g, " ").trim();
  // qmail writes the status as "(#5.1.1)"; bestStatus reads it either way.
  const status = bestStatus(context.replace(/#(?=[245]\.)/g, " "));
  const diagnostic = status || /\b[245]\d\d\b/.test(context) ? context.slice(0, 500) : null;
  return { status, diagnostic };
}

/**
 * Where the returned copy of the original message starts in a text bounce. Everything after it is the
 * customer's own mail (its To, Received "for <…>", body) and must not be mistaken for the notification.
 * "The original message was received at …" (Sendmail) opens the notice, it is not such a marker.
 */
const RETURNED_MARKER =
  /^[ \t\-=*_>]*(?:below (?:this line )?is a copy of (?:the )?(?:original )?message|(?:this is )?a copy of the message|(?:the )?original message(?! was received)(?: follows| headers?)?|unsent message follows|returned message|message headers follow|undelivered message|included is a copy of the message header|(?:the )?headers? of the original message|enclosed is a copy of the message|original mail follows|forwarded message|-+ ?original message)\b[^\n]{0,50}$/im;
/** Two header lines at column 0: the start of a returned message that has no marker line. */
const HEADER_RUN = /^(?:Received|Return-Path|Delivered-To|DKIM-Signature|Message-I[Dd]|Authentication-Results|X-[\w-]+) ?:.*\n(?:[ \t].*\n)*[A-Z][\w-]* ?:/m;

function splitReturned(text: string): { notice: string; returned: string } {
  const marker = RETURNED_MARKER.exec(text);
  const run = HEADER_RUN.exec(text);
  const cut = Math.min(marker?.index ?? text.length, run?.index ?? text.length);
  return { notice: text.slice(0, cut), returned: text.slice(cut) };
}

const A = `<?(${ADDRESS_SRC})>?`;
/** Lines that name a failed recipient, by layout, in priority order (the first layout that matches wins). */
const RECIPIENT_LINES: RegExp[] = [
  // Sendmail transcripts: "550 <addr>... User unknown", "<addr>... Deferred"
  new RegExp(`^\\s*(?:[245]\\d\\d[ -]+)?(?:[245]\\.\\d+\\.\\d+\\s+)?<(${ADDRESS_SRC})>\\.\\.\\.`, "i"),
  // qmail, Yahoo, Postfix text, OpenSMTPD, MXLogic: "<addr>:" or "addr: 550 …" at line start
  new RegExp(`^\\s*<(${ADDRESS_SRC})>\\s*:`, "i"),
  new RegExp(`^(${ADDRESS_SRC}):\\s+\\S`, "i"),
  // Exim, Gmail, Domino, m-FILTER, x3, Mimecast: the address alone on its line, maybe bulleted or bracketed
  new RegExp(`^\\s*(?:[*•]\\s+|--\\s+|>>>\\s+)?${A}\\s*(?:<${ADDRESS_SRC}>)?\\s*$`, "i"),
  // Exchange 2003 "addr on <date>", x1 "addr [User unknown]", Zoho "addr Invalid Address, …"
  new RegExp(`^\\s*${A}\\s+(?:on\\s|\\[|\\(|-\\s|invalid|unknown|user|mailbox)`, "i"),
];
/** Phrases that introduce a failed recipient inside a sentence. */
const RECIPIENT_PHRASES: RegExp[] = [
  new RegExp(
    `(?:could not be delivered to|not delivered to|deliver(?:ing|y)? (?:of )?(?:your )?(?:mail |message |e-?mail )?to|unable to deliver (?:message )?to|failed to deliver to|undeliverable to|did not reach the following recipients?|returned permanent errors?|recipient(?: address)?|delivery failed|unknown user|user unknown|invalid recipient|no such user|target mail address)\\s*(?:is|was)?\\s*[:(]?\\s*${A}`,
    "i",
  ),
  new RegExp(`RCPT TO:\\s*${A}`, "i"),
];

function textRecipients(notice: string, senders: Set<string>): BounceRecipient[] {
  const lines = notice.split("\n");
  const usable = (a: string | undefined): a is string => {
    const clean = a ? cleanAddress(a) : null;
    return clean !== null && !senders.has(clean) && !/^(mailer-daemon|postmaster)@/i.test(clean);
  };
  for (const re of [...RECIPIENT_LINES, ...RECIPIENT_PHRASES]) {
    const hits: BounceRecipient[] = [];
    lines.forEach((line, i) => {
      // Addresses after "MAIL FROM:" or "envelope-from" are the sender's, wherever they appear.
      const a = re.exec(line.replace(/(?:mail from|envelope-from|from)\s*:?\s*<[^>]*>/gi, ""))?.[1];
      if (usable(a)) hits.push({ address: cleanAddress(a)!, action: "failed", ...explainAt(lines, i) });
    });
    if (hits.length > 0) return dedupe(hits);
  }
  return [];
}

/** Headers (unfolded, first occurrence) of the header block at the start of `text`. */
function headerBlock(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last: string | null = null;
  for (const line of text.replace(/^\s*\n/, "").split("\n")) {
    if (line.trim() === "") break;
    if (/^[ \t]/.test(line) && last) {
      out[last] += ` ${line.trim()}`;
      continue;
    }
    const m = /^([\w-]+)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    last = m[1]!.toLowerCase();
    out[last] ??= m[2]!;
  }
  return out;
}

/** Header blocks of the returned original: attached parts first, then the tail of a text bounce. */
function returnedHeaders(msg: ParsedMessage, text: string): Array<Record<string, string>> {
  const parts = msg.attachments
    .filter((a) => a.contentType === "message/rfc822" || a.contentType === "text/rfc822-headers")
    .map((a) => decode(a.content))
    .filter((p) => p.trim() !== "");
  const { returned } = splitReturned(text);
  const tail = returned
    .split("\n")
    .map((l) => l.replace(/^>\s?/, ""))
    .join("\n");
  const start = tail.search(/^[\w-]+ ?:/m);
  return [...parts, start >= 0 ? tail.slice(start) : ""].map(headerBlock);
}

/** Last resort for terse bounces ("Message could not be delivered to mobile."): the returned message's To. */
function returnedMessageRecipients(msg: ParsedMessage, text: string, senders: Set<string>): BounceRecipient[] {
  for (const headers of returnedHeaders(msg, text)) {
    const addresses = [...(headers["to"] ?? "").matchAll(ADDRESS_G)].map((m) => m[0].toLowerCase()).filter((a) => !senders.has(a));
    if (addresses.length > 0) return dedupe(addresses.map((address) => ({ address, status: bestStatus(text), action: "failed", diagnostic: null })));
  }
  return [];
}

function originalMessageId(msg: ParsedMessage, text: string): string | null {
  for (const headers of returnedHeaders(msg, text)) {
    const id = /<?([^<>\s]+@[^<>\s]+?)>?\s*$/.exec(headers["message-id"] ?? "")?.[1];
    if (id) return id;
  }
  return null;
}

const ids = (value: string | undefined): string[] => [...(value ?? "").matchAll(/<([^<>\s]+@[^<>\s]+)>/g)].map((m) => m[1]!);

/** See BounceReferences. Pure; an empty list where the bounce carries nothing of the kind. */
export function bounceReferences(msg: ParsedMessage, text = bounceText(msg)): BounceReferences {
  const messageIds: string[] = [];
  const tokenAddresses: string[] = [];
  const addIds = (list: string[]): void => {
    for (const id of list) if (!messageIds.includes(id)) messageIds.push(id);
  };
  const addAddresses = (value: string | undefined): void => {
    for (const m of (value ?? "").matchAll(ADDRESS_G)) {
      const a = m[0].toLowerCase();
      if (!tokenAddresses.includes(a)) tokenAddresses.push(a);
    }
  };
  for (const a of [...msg.to, ...msg.cc]) addAddresses(a.address);
  for (const a of msg.deliveredTo) addAddresses(a);
  const first = originalMessageId(msg, text);
  if (first) addIds([first]);
  for (const h of returnedHeaders(msg, text)) {
    addIds(ids(h["message-id"]));
    addIds(ids(h["in-reply-to"]));
    addIds(ids(h["references"]).reverse());
    for (const name of ["reply-to", "from", "sender", "return-path"]) addAddresses(h[name]);
  }
  return { messageIds, tokenAddresses };
}

/**
 * Is this message written by a person, or by a machine (auto-reply, bounce, feedback report, list mail)?
 * Pure. Decides whether Mailcase may answer (acknowledgements) and whether the mail may open a case.
 *
 * Order of the checks matters and is deliberate:
 *  1. Reports (DSN, ARF, MDN) and bounces first: most bounces also carry `Auto-Submitted: auto-replied`
 *     or `auto-generated`, and we want the more specific kind plus the failed recipients.
 *  2. RFC 3834 markers and vendor auto-reply headers.
 *  3. Out-of-office subjects (many languages), then list/bulk markers.
 * Anything with no marker is human. `Auto-Submitted: no` is an explicit *human* marker (RFC 3834 §5):
 * treating it as automatic silences real customers.
 *
 * Measured against ../shared/corpus by test/corpus/classify-corpus.test.ts and tools/corpus-report.ts.
 */
import { z } from "zod";
import type { ParsedMessage } from "../parsed-message.ts";

export type AutomaticKind = "human" | "auto-reply" | "bounce" | "feedback-report" | "bulk";

export interface BounceRecipient {
  /** Lower-cased failed recipient address. */
  address: string;
  /** RFC 3463 enhanced status code ("5.1.1") when the bounce states one. */
  status: string | null;
  /** DSN action ("failed", "delayed", "delivered", …), lower-cased; "failed" for text bounces. */
  action: string | null;
  /** Remote server's explanation, single line, when the bounce carries one. */
  diagnostic: string | null;
}

export interface Classification {
  kind: AutomaticKind;
  /** Short machine reason, e.g. "auto-submitted:auto-replied", "dsn:multipart/report". */
  reason: string;
  /**
   * Only for kind "bounce". A successful-delivery or delay DSN is also a "bounce" (it is a delivery report
   * a person did not write); look at `action` before marking a contact undeliverable.
   */
  bounce?: {
    recipients: BounceRecipient[];
    /** Message-ID of the original message when the DSN carries it (message/rfc822 or text/rfc822-headers part). */
    originalMessageId: string | null;
  };
}

export interface ClassifyOptions {
  /** Our own mailbox addresses (lower-case). Mail *from* one of them is a loop, never a customer. */
  ownAddresses?: readonly string[];
}

// ---------------------------------------------------------------------------------------------------------
// Header helpers

const header = (msg: ParsedMessage, name: string): string[] => msg.headers[name] ?? [];
const first = (msg: ParsedMessage, name: string): string | null => header(msg, name)[0]?.trim() ?? null;

/** Parameter of the top-level Content-Type (report-type=…), lower-cased. */
function contentTypeParam(msg: ParsedMessage, param: string): string | null {
  const value = first(msg, "content-type") ?? "";
  const m = new RegExp(`[;\\s]${param}\\s*=\\s*"?([^";\\s]+)`, "i").exec(value);
  return m?.[1]?.toLowerCase() ?? null;
}

/** A header whose mere presence with a value other than no/false/0 marks the message automatic. */
function flagHeader(msg: ParsedMessage, name: string): boolean {
  return header(msg, name).some((v) => !/^\s*(no|false|0|off)\s*$/i.test(v));
}

// ---------------------------------------------------------------------------------------------------------
// Signals

/**
 * Local parts and display names used by delivery software. `postmaster` is deliberately not here: a person
 * answers as postmaster@ (abuse desks), so postmaster counts only together with bounce wording.
 */
const DAEMON_LOCAL = /^(mailer[-_.]?daemon|mail[-_.]?daemon|mail[-_.]delivery[-_.](sub)?system|maildelivery|mdaemon|bounces?|nobody)$/i;
const DAEMON_DISPLAY = /mailer[-_ ]?daemon|mail delivery (sub)?system/i;
const POSTMASTER_LOCAL = /^(post[-_]?master|poostmaster)$/i;
const NO_REPLY_LOCAL = /^(no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply)$/i;

/** Subject lines of non-delivery reports across common MTAs and languages. */
const BOUNCE_SUBJECT = new RegExp(
  [
    "undeliver", "undelivered mail", "returned mail", "returned to sender", "mail delivery failed", "delivery fail",
    "failed delivery", "failure delivery", "failure notice", "delivery status notification", "delivery notification",
    "non[- ]?delivery", "nondeliverable", "could not be delivered", "mail system error", "delivery problem",
    "message not delivered", "error sending your mail", "permanent delivery failure", "delivery has failed",
    "warning: message .* delayed", "delayed mail", "message delivery has failed", "email delivery failure",
    "nicht zustellbar", "unzustellbar", "non remis", "non recapitabile", "no entregado", "onbestelbaar",
    "nedoručiteln", "niedostarczon", "не доставлено", "未送達", "配信できません", "メールエラー", "退信", "退回",
  ].join("|"),
  "i",
);

/** Opening sentences of text bounces (no DSN part), for mail whose headers are unremarkable. */
const BOUNCE_BODY = new RegExp(
  [
    "this is the qmail-send program", "could not be delivered to one or more", "following address(?:es)? (?:had|failed)",
    "delivery to the following recipients? failed", "unable to deliver (?:your )?message to", "did not reach the following recipient",
    "the following recipients? (?:returned|had) (?:permanent )?(?:errors|fatal)", "was not delivered to",
    "there was an error delivering your mail", "i'm afraid i wasn't able to deliver", "your message could not be delivered",
    "delivery has failed to these recipients", "message could not be delivered", "could not deliver (?:the )?message",
    "an error has occurred while attempting to deliver", "transcript of session follows", "unknown user:",
    "delivery to the following recipient", "could not be delivered to:", "not delivered to", "invalid user address",
    "no such user", "undeliverable to",
  ].join("|"),
  "i",
);

/**
 * Out-of-office subjects as the mail systems generate them: a fixed prefix, a separator, then usually the
 * original subject ("Automatic reply: Invoice 42"). The separator is required so that a person writing
 * "Out of office tomorrow, can you cover?" stays human; "Re:" in front never matches because of the anchor.
 * Bare absence words that people use as subjects themselves ("Vacation: July", "Abwesenheit: Urlaub",
 * "Nepřítomnost: …", "Frånvaro: …") are deliberately absent: an HR or facilities helpdesk gets those from
 * people. Mail systems' own prefixes (Outlook's localised "Automatic reply:" and friends) are listed instead.
 */
const OOO_PREFIXES = [
  // English
  "automatic reply", "auto[- ]?reply", "auto[- ]?response", "auto[- ]?respons", "autoresponder", "out of (?:the )?office(?: reply| autoreply)?",
  "vacation reply", "away from (?:the )?office",
  // Czech
  "automatická odpověď", "mimo kancelář",
  // Polish
  "automatyczna odpowied[zź]", "poza biurem",
  // German
  "abwesenheitsnotiz", "automatische antwort",
  // French
  "réponse automatique", "reponse automatique", "absence du bureau", "absent(?:e)? du bureau", "message d'absence",
  // Dutch
  "automatisch antwoord", "buiten kantoor", "niet op kantoor",
  // Nordic: Swedish, Danish/Norwegian, Finnish, Icelandic
  "automatiskt svar", "automatisk svar", "autosvar", "ej på kontoret", "ikke på kontoret", "ikke til stede",
  "automaattinen vastaus", "poissa toimistolta", "sjálfvirkt svar",
  // Spanish, Italian, Portuguese, Russian
  "respuesta automática", "fuera de la oficina", "risposta automatica", "resposta automática", "автоматический ответ",
  // Chinese (simplified, traditional), Japanese, Korean
  "自动回复", "自動回覆", "自動回复", "自動応答", "自動返信", "자동 회신",
];
const OOO_SUBJECT = new RegExp(`^(?:\\[[^\\]]*\\]\\s*)?(?:${OOO_PREFIXES.join("|")})\\s*[:：]`, "iu");
/** The whole subject is the marker (some Exchange and Notes versions drop the original subject). */
const OOO_SUBJECT_ALONE = /^(?:out of (?:the )?office|automatic reply|auto[- ]?reply|abwesenheitsnotiz|automatická odpověď|automatyczna odpowiedź|自动回复)\s*$/iu;

// ---------------------------------------------------------------------------------------------------------
// Classification

export function classifyMessage(msg: ParsedMessage, opts: ClassifyOptions = {}): Classification {
  const subject = msg.subject.trim();
  const reportType = msg.contentType === "multipart/report" ? (contentTypeParam(msg, "report-type") ?? "") : null;
  const autoSubmitted = first(msg, "auto-submitted")?.toLowerCase() ?? null;
  const isAutoSubmitted = autoSubmitted !== null && !/^no\b/.test(autoSubmitted);
  const returnPathEmpty = header(msg, "return-path").some((v) => /^<\s*>$/.test(v.trim()));

  // 1. Machine-readable reports.
  const ses = amazonSesNotification(msg);
  if (ses) return ses;
  if (reportType === "feedback-report" || msg.attachments.some((a) => a.contentType === "message/feedback-report"))
    return { kind: "feedback-report", reason: "arf:feedback-report" };
  // Apple Mail's one-click unsubscribe ("Apple Mail sent this email to unsubscribe") is an opt-out report.
  if (flagHeader(msg, "x-apple-unsubscribe")) return { kind: "feedback-report", reason: "header:x-apple-unsubscribe" };
  // Hotmail/Outlook.com JMRP complaints: no ARF part, a fixed subject from the provider's staff address.
  if (/^complaint about message from \d{1,3}(?:\.\d{1,3}){3}\s*$/i.test(subject) && /@(hotmail|outlook|live|msn)\./i.test(msg.from?.address ?? ""))
    return { kind: "feedback-report", reason: "jmrp:complaint" };
  if (reportType === "disposition-notification") return { kind: "auto-reply", reason: "mdn:disposition-notification" };

  const dsnPart = msg.attachments.some((a) => /^message\/(global-)?delivery-status$/.test(a.contentType));
  if (reportType === "delivery-status" || dsnPart) return bounce(msg, reportType === "delivery-status" ? "dsn:multipart/report" : "dsn:delivery-status-part");
  if (header(msg, "x-failed-recipients").length > 0) return bounce(msg, "header:x-failed-recipients");

  // 2. Bounces without a DSN part: who sent it, plus corroborating wording.
  const fromHeader = first(msg, "from") ?? "";
  const fromLocal = (msg.from?.address ?? "").split("@")[0] ?? "";
  const fromDaemon = DAEMON_LOCAL.test(fromLocal) || DAEMON_DISPLAY.test(fromHeader) || (msg.from === null && /mailer-daemon/i.test(fromHeader));
  const bounceSubject = BOUNCE_SUBJECT.test(subject) && !/^(re|fwd?|aw|wg|tr|sv|vs|rv|odp|přeposl)\s*[:：]/i.test(subject);
  const bounceBody = BOUNCE_BODY.test(bounceText(msg).slice(0, 4000));
  const hasDsnFields = /^\s*final-recipient\s*:/im.test(msg.text) && /^\s*status\s*:\s*[245]\.\d/im.test(msg.text);
  if (fromDaemon) return bounce(msg, "from:mailer-daemon");
  if (POSTMASTER_LOCAL.test(fromLocal) && (bounceSubject || bounceBody || hasDsnFields || isAutoSubmitted || returnPathEmpty))
    return bounce(msg, "from:postmaster");
  // Carriers send NDRs from no-reply addresses (KDDI "Could not be delivered to: <…>"); no person writes from no-reply.
  if (NO_REPLY_LOCAL.test(fromLocal) && (bounceSubject || bounceBody)) return bounce(msg, "from:no-reply");
  // Someone forwarding a bounce ("Fwd: Undelivered Mail…") is a person asking for help: the subject check
  // above excludes reply/forward prefixes, and a person's mail has neither Auto-Submitted nor an empty Return-Path.
  // Bounce wording in the subject and the body is not enough on its own ("Mail delivery failed?" / "my mail
  // could not be delivered to …" is a customer asking): it takes a machine trait as well — the null
  // Return-Path of RFC 5321 §4.5.5, Auto-Submitted, DSN fields, or no usable From address at all.
  if (bounceSubject && (returnPathEmpty || isAutoSubmitted || hasDsnFields || (msg.from === null && bounceBody))) return bounce(msg, "subject:non-delivery");
  if ((returnPathEmpty || isAutoSubmitted) && hasDsnFields) return bounce(msg, "body:dsn-fields");

  // 3. RFC 3834 and vendor auto-reply markers.
  if (isAutoSubmitted && autoSubmitted !== null) return { kind: "auto-reply", reason: `auto-submitted:${autoSubmitted.split(/[;(\s]/)[0]}` };
  for (const name of ["x-autoreply", "x-autorespond", "x-autoresponse", "x-autogenerated", "x-autoreply-from", "x-mail-autoreply"]) {
    if (flagHeader(msg, name)) return { kind: "auto-reply", reason: `header:${name}` };
  }
  if (flagHeader(msg, "x-fc-machinegenerated")) return { kind: "auto-reply", reason: "header:x-fc-machinegenerated" };
  const precedences = header(msg, "precedence").map((v) => v.trim().toLowerCase());
  if (precedences.some((p) => p === "auto_reply" || p === "auto-reply")) return { kind: "auto-reply", reason: "precedence:auto_reply" };

  const oooSubject = OOO_SUBJECT.test(subject) || OOO_SUBJECT_ALONE.test(subject);
  // X-Auto-Response-Suppress asks *others* not to auto-reply to this message. Exchange puts it on its own
  // OOF replies, but many CRMs, newsletters and some Outlook versions put it on ordinary outbound mail
  // too, so on its own it proves nothing. With Exchange's inbox-rule loop header, an OOO subject or an
  // empty Return-Path it is the Exchange/Outlook auto-reply fingerprint.
  const suppress = header(msg, "x-auto-response-suppress").join(",").toLowerCase();
  const suppressAuto = /\b(all|oof|autoreply)\b/.test(suppress);
  const exchangeRuleLoop = header(msg, "x-ms-exchange-inbox-rules-loop").length > 0 || header(msg, "x-ms-exchange-generated-message-source").length > 0;
  if (suppressAuto && (exchangeRuleLoop || oooSubject || returnPathEmpty)) return { kind: "auto-reply", reason: "header:x-auto-response-suppress" };
  // Apple iCloud vacation responder marks its replies with X-Apple-Action/X-Apple-Criteria.
  if (header(msg, "x-apple-action").some((v) => /vacation|auto/i.test(v))) return { kind: "auto-reply", reason: "header:x-apple-action" };
  if (oooSubject) return { kind: "auto-reply", reason: "subject:out-of-office" };

  // 4. Lists and bulk senders.
  const bulkPrecedence = precedences.find((p) => p === "bulk" || p === "junk" || p === "list");
  if (bulkPrecedence) return { kind: "bulk", reason: `precedence:${bulkPrecedence}` };
  if (header(msg, "list-id").length > 0) return { kind: "bulk", reason: "header:list-id" };
  if (header(msg, "list-unsubscribe").length > 0) return { kind: "bulk", reason: "header:list-unsubscribe" };
  // Other RFC 2369 fields and list-manager markers (fml, Mailman) identify list traffic and list-manager notices.
  for (const name of ["list-post", "list-subscribe", "list-help", "mailing-list", "x-mlserver", "x-mailman-version"]) {
    if (header(msg, name).length > 0) return { kind: "bulk", reason: `header:${name}` };
  }

  if (opts.ownAddresses?.some((a) => a.toLowerCase() === msg.from?.address)) return { kind: "auto-reply", reason: "from:own-address" };
  return { kind: "human", reason: autoSubmitted !== null ? "auto-submitted:no" : "no automatic markers" };
}

// ---------------------------------------------------------------------------------------------------------
// Bounce details

/**
 * The message text to read a bounce from. When mailparser cannot walk a broken MIME structure (bad
 * boundaries, unfolded parameters) it yields no text at all; the raw body is then the only source.
 */
function bounceText(msg: ParsedMessage): string {
  if (msg.text.trim() !== "") return msg.text;
  const raw = msg.rawText.replace(/\r\n?/g, "\n");
  const bodyStart = raw.search(/\n\n/);
  return bodyStart >= 0 ? raw.slice(bodyStart + 2) : "";
}

function bounce(msg: ParsedMessage, reason: string): Classification {
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
  return { kind: "bounce", reason, bounce: { recipients, originalMessageId: originalMessageId(msg, text) } };
}

/**
 * A mail address as bounces print it. Looser than RFC 5321 on purpose: real DSNs carry quoted local parts
 * and runs of dots ("neko....nyaan"@example.org) that a strict pattern would drop.
 */
const ADDRESS_SRC = `(?:"[^"\\n<>]+"|[a-z0-9!#$%&'*+/=?^_\`{|}~.-]+)@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}`;
const ADDRESS = new RegExp(ADDRESS_SRC, "i");
const ADDRESS_G = new RegExp(ADDRESS_SRC, "gi");
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
function bestStatus(...sources: Array<string | null | undefined>): string | null {
  const codes = sources.flatMap((s) => [...(s ?? "").matchAll(STATUS_G)].map((m) => `${m[1]}.${m[2]}.${m[3]}`));
  const stated = codes[0] ?? null;
  if (stated === null || !/\.0\.0$/.test(stated)) return stated;
  return codes.find((c) => c[0] === stated[0] && !/\.0\.0$/.test(c)) ?? stated;
}

function dedupe(list: BounceRecipient[]): BounceRecipient[] {
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

// ---------------------------------------------------------------------------------------------------------
// Amazon SES notifications delivered by SNS e-mail subscription: a JSON body, no DSN part.

const SesRecipient = z.object({ emailAddress: z.string(), status: z.string().optional(), action: z.string().optional(), diagnosticCode: z.string().optional() });
const SesNotification = z.object({
  notificationType: z.enum(["Bounce", "Complaint", "Delivery"]),
  bounce: z.object({ bouncedRecipients: z.array(SesRecipient) }).optional(),
  delivery: z.object({ recipients: z.array(z.string()), smtpResponse: z.string().optional() }).optional(),
  mail: z.object({ messageId: z.string().optional() }).optional(),
});
const SnsEnvelope = z.object({ Type: z.literal("Notification"), Message: z.string() });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * SES bounce/complaint/delivery notifications. Only from Amazon's own senders (a developer may well paste
 * such JSON into a support mail). The JSON is validated with zod; when it does not parse (line-wrapped in
 * transit) the notification type and addresses are read with patterns instead.
 */
function amazonSesNotification(msg: ParsedMessage): Classification | null {
  const fromAmazon = /@(sns\.amazonaws\.com|amazonses\.com)$/i.test(msg.from?.address ?? "") || header(msg, "x-amz-sns-message-id").length > 0;
  if (!fromAmazon || !msg.text.includes("notificationType")) return null;
  const body = msg.text.trim();
  const envelope = SnsEnvelope.safeParse(parseJson(body));
  const parsed = SesNotification.safeParse(envelope.success ? parseJson(envelope.data.Message) : parseJson(body));
  if (parsed.success) {
    const n = parsed.data;
    if (n.notificationType === "Complaint") return { kind: "feedback-report", reason: "ses:complaint" };
    const originalMessageId = n.mail?.messageId ?? null;
    if (n.notificationType === "Delivery") {
      const status = bestStatus(n.delivery?.smtpResponse);
      const recipients = (n.delivery?.recipients ?? []).map((a) => ({ address: a.toLowerCase(), status, action: "delivered", diagnostic: n.delivery?.smtpResponse ?? null }));
      return { kind: "bounce", reason: "ses:delivery", bounce: { recipients, originalMessageId } };
    }
    const recipients = (n.bounce?.bouncedRecipients ?? []).map((r) => ({
      address: r.emailAddress.toLowerCase(),
      status: bestStatus(r.status, r.diagnosticCode),
      action: r.action?.toLowerCase() ?? "failed",
      diagnostic: r.diagnosticCode ?? null,
    }));
    return { kind: "bounce", reason: "ses:bounce", bounce: { recipients, originalMessageId } };
  }
  const unescaped = body.replace(/\\"/g, '"');
  const type = /"notificationType"\s*:\s*"(Bounce|Complaint|Delivery)"/.exec(unescaped)?.[1];
  if (!type) return null;
  if (type === "Complaint") return { kind: "feedback-report", reason: "ses:complaint" };
  const list = new RegExp(`"${type === "Bounce" ? "bouncedRecipients" : "recipients"}"\\s*:\\s*\\[([^\\]]*)`).exec(unescaped)?.[1] ?? "";
  const status = bestStatus(/"status"\s*:\s*"([^"]+)"/.exec(unescaped)?.[1], /"(?:diagnosticCode|smtpResponse)"\s*:\s*"([^"]+)"/.exec(unescaped)?.[1]);
  const recipients = dedupe([...list.matchAll(ADDRESS_G)].map((m) => ({ address: m[0].toLowerCase(), status, action: type === "Bounce" ? "failed" : "delivered", diagnostic: null })));
  const originalMessageId = /"mail"\s*:\s*\{[^}]*?"messageId"\s*:\s*"([^"]+)"/.exec(unescaped)?.[1] ?? null;
  return { kind: "bounce", reason: type === "Bounce" ? "ses:bounce" : "ses:delivery", bounce: { recipients, originalMessageId } };
}

/**
 * Strips quoted history and signatures from a reply, keeping what the sender wrote. Pure.
 *
 * Approach (the one discourse/email_reply_trimmer made work well): classify every line — empty,
 * delimiter, signature, "embedded email" marker ("On … wrote:", "-----Original Message-----"), mail
 * header ("From: …"), quote, text — and decide on the sequence of classes rather than line by line, so
 * that text written between quotes (inline answers) survives and only trailing history goes. The full
 * original is always stored next to the trimmed body.
 */

type LineKind = "e" | "d" | "s" | "b" | "h" | "q" | "t";

const EMPTY = /^[\s\u00a0]*$/;
/** A line of only separator characters ("-----", "_____", "*****", Gmail's lone "ᐧ"). */
const DELIMITER = /^[\s]*[\p{P}\p{S}\u1427]+[\s]*$/u;
/** Mobile and client signatures ("Sent from my iPhone", "Von meinem … gesendet", "(sent from a phone)"). */
const SIGNATURE = [
  /^-- ?$/,
  // (\s rather than \b: JavaScript's \b does not see "é" as a word character.)
  /^[\s>(<]*(sent|send|envoyé|enviado|inviato|wysłane|odesláno|verzonden|skickat|sendt|gesendet|отправлено)\s(.{0,50}\s)?(from|with|by|via|depuis|von|de|desde|z|da|met|från|fra|с)\s.{0,120}$/i,
  /^[\s>(<]*(from|sent (from|by)|sent with)\b.{0,30}\b(my|mobile|phone|iphone|ipad|android|galaxy|cell)\b.{0,40}$/i,
  /^[\s>]*.{0,40}\bwurde von meinem\b.{0,60}\bgesendet\b.{0,10}$/i,
  /^[\s>]*von meinem .{1,60} gesendet/i,
  /^[\s>]*(get|download) \[?outlook for (ios|android)/i,
  /^.{0,30}\bfrom (my )?(mobile|phone|iphone|android)\b.{0,20}$/i,
  /^[\s>]*(发自我的|從我的).{0,30}$/,
];
/** Attribution lines in the languages our customers (and their mail clients) use. */
const EMBEDDED = [
  /^[\s<>-]*(on|at) .{0,200}?\b(wrote|writes|said|says)\s*:?[\s>-]*$/i,
  /^[\s<>-]*in message .{0,200}?\bwrites\s*:?\s*$/i,
  /^[\s<>-]*le .{0,200}?(a écrit|nous a dit)\s*:?\s*$/i,
  /^[\s<>-]*am .{0,200}?(schrieb|geschrieben)[^:]{0,100}:?\s*$/i,
  /^[\s<>-]*op .{0,200}?(schreef|het volgende geschreven)[^:]{0,100}:?\s*$/i,
  /^[\s<>-]*il .{0,200}?ha scritto\s*:?\s*$/i,
  /^[\s<>-]*el .{0,200}?escribió\s*:?\s*$/i,
  /^[\s<>-]*em .{0,200}?escreveu\s*:?\s*$/i,
  /^[\s<>-]*(dnia|dňa|dne) .{0,200}?(napisał|napsal|napísal)(\(a\)|a)?\s*:?\s*$/i,
  /^[\s<>-]*den .{0,200}?\bskrev\b.{0,160}:\s*$/i,
  /^[\s>]*\S{2,5}\.? \d{1,2}\. .{0,60}\bskrev\b[^:]{0,100}:\s*$/i,
  /^[\s<>-]*在.{0,200}?写道[\s:：>-]*$/,
  /\d{4}.{1,80}(napisał\(a\)|napsal\(a\)|пише|написал\(а\)?|написала|написал):\s*$/i,
  /^.{0,120}\bпользователь\b.{0,120}написал:?\s*$/i,
  /^.+\b(wrote|schrieb) (on|am) .+:\s*$/i,
  /^[\s>]*20\d\d-\d\d-\d\d \d{1,2}:\d\d GMT[+-]\d\d:\d\d .+$/,
  /\d{4}.{1,80}\s?<[^@<>\s]+@[^@<>\s]+\.[^@<>\s]+>:?\s*$/,
  /^.+ via .+ (wrote|schrieb):?\s*$/i,
  /^.+\b[\w.+-]+@[\w.-]+\.\w{2,}\b.+wrote:?\s*$/i,
  /^[\s>]*posted by .+ on \d{2}\/\d{2}\/\d{4}\s*$/i,
  /^[\s>]*begin forwarded message:?/i,
  /^[\s>]*début du message (transféré|réexpédié)\s*:?/i,
  /^[\s>*]*-{2,}\s*(forwarded|original|reply) message\s*-{2,}/i,
  /^[\s>*]*-{2,}\s*(message transféré|message d'origine|ursprüngliche nachricht|weitergeleitete nachricht|mensaje original|messaggio originale|oorspronkelijk bericht|původní zpráva|wiadomość oryginalna|ursprungligt meddelande|opprinnelig melding|исходное сообщение|пересылаемое сообщение|原始邮件|原始郵件)\s*-{2,}/i,
];
/** "Header: value" lines of a quoted mail (Outlook and friends), in many languages. */
const HEADER =
  /^[\s*]*(from|sent|to|cc|bcc|date|subject|reply-to|von|gesendet|an|betreff|datum|de|envoyé|à|objet|date d'envoi|od|wysłano|do|temat|data|odesláno|komu|předmět|från|skickat|till|ämne|fra|sendt|til|emne|van|verzonden|aan|onderwerp|da|inviato|a|oggetto|от|отправлено|кому|тема|дата|від|надіслано|enviado|para|asunto|fecha|发件人|发送时间|收件人|主题|寄件者|收件者|主旨|日期)\s*[:：]\s*\S.*$/i;
const QUOTE = /^\s*>/;

function classify(line: string): LineKind {
  if (EMPTY.test(line)) return "e";
  if (DELIMITER.test(line)) return "d";
  if (SIGNATURE.some((re) => re.test(line))) return "s";
  if (EMBEDDED.some((re) => re.test(line))) return "b";
  if (HEADER.test(line)) return "h";
  if (QUOTE.test(line)) return "q";
  return "t";
}

/** Joins attribution lines that a mail client wrapped ("On Mon, 1 Jan 2024, Jan Novák <\njan@x.cz> wrote:"). */
function unwrapAttributions(lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const next = lines[i + 1];
    const joined = next === undefined ? null : `${line} ${next.replace(/^[\s>-]+/, "")}`;
    const kind = classify(line);
    const nextKind = next === undefined ? null : classify(next);
    // Either two text lines that only together form an attribution ("2016-10-24 … Foo bar <" + "foo@x>:"),
    // or an attribution whose tail wrapped ("Op … schreef … het" + "volgende geschreven:").
    const wrappedPair =
      joined !== null &&
      ((kind === "t" && nextKind === "t" && classify(joined) === "b") ||
        (kind === "b" && nextKind === "t" && !/:\s*$/.test(line) && next!.trim().length < 40 && /:\s*$/.test(next!)));
    if (wrappedPair) {
      out.push(joined);
      i++;
    } else out.push(line);
  }
  return out;
}

/**
 * Attributions that clients wrap over several lines ("On Thu, 31 Mar 2016 at 11:16 Some One\n<\nmailto:…>\n> wrote:")
 * are joined into one line first, so they classify as what they are.
 */
const WRAPPED_ATTRIBUTION =
  /^[ \t<>-]*(on|am|le|op|el|em|il|dnia|den|at) [^\n]{0,200}(?:\n[^\n]{0,200}){1,5}?\b(wrote|writes|schrieb|geschrieben|a écrit|schreef|escribió|escreveu|ha scritto|napisał(?:\(a\))?|skrev)\b[^\n:]{0,60}:[ \t]*$/gim;

function joinWrappedAttributions(text: string): string {
  // Only a run ending in "wrote:" (with the colon) is joined: "On this day\n\nI wrote something" stays prose.
  return text.replace(WRAPPED_ATTRIBUTION, (m) => m.replace(/\n[\s>-]*/g, " "));
}

export function trimReply(text: string): { body: string; trimmed: boolean } {
  if (EMPTY.test(text)) return { body: "", trimmed: false };
  let lines = unwrapAttributions(joinWrappedAttributions(text.replace(/\r*\n/g, "\n")).split("\n"));
  let pattern = lines.map(classify);

  const keep = (pred: (k: LineKind, i: number) => boolean) => {
    const idx = pattern.map((k, i) => (pred(k, i) ? i : -1)).filter((i) => i >= 0);
    lines = idx.map((i) => lines[i]!);
    pattern = idx.map((i) => pattern[i]!);
  };
  const cutAfter = (index: number) => {
    lines = lines.slice(0, index + 1);
    pattern = pattern.slice(0, index + 1);
  };
  const str = () => pattern.join("");
  let m: RegExpExecArray | null;

  // A signature delimiter ("-- ", or a bare "--") starts a signature: the short lines after it, up to a
  // blank line, belong to it.
  for (let i = 0; i < lines.length; i++) {
    if (!/^--\s?$/.test(lines[i]!)) continue;
    pattern[i] = "s";
    for (let j = i + 1; j < Math.min(lines.length, i + 8) && pattern[j] === "t" && lines[j]!.length < 80; j++) pattern[j] = "s";
  }
  // Signatures and delimiter lines carry no content.
  keep((k) => k !== "d" && k !== "s");
  // Bottom-posting: an attribution at the very top, the quoted mail, then the reply: the reply is what counts.
  m = /^e*b[eq]*q[eq]*t/.exec(str());
  if (m) keep((_, i) => i >= m!.index + m![0].length - 1);
  // Text, then an attribution/forward marker with no quote after it: everything after the marker is history.
  m = /te*b[^q]*$/.exec(str());
  if (m) cutAfter(m.index);
  // Text, then a marker followed by quoted history (and maybe trailing text such as a footer).
  m = /te*b[eqbh]*[te]*$/.exec(str());
  if (m) cutAfter(m.index);
  // Markers left inside the text (e.g. a quote-only reply) become blank lines.
  pattern = pattern.map((k, i) => {
    if (k !== "b") return k;
    lines[i] = "";
    return "e";
  });
  // A header block interrupted by wrapped values is still one header block.
  m = /h+[hte]+h+e/.exec(str());
  if (m) for (let i = m.index; i < m.index + m[0].length; i++) pattern[i] = "h";
  // Text followed by three or more header lines: a quoted mail starts there.
  m = /t[eq]*h{3,}/.exec(str());
  if (m) cutAfter(m.index);
  keep((k) => k !== "h");
  // Trailing quotes go once there is text of the sender's own.
  if (str().includes("t")) {
    m = /[eq]+$/.exec(str());
    if (m) cutAfter(m.index - 1);
  }
  const body = lines.join("\n").trim();
  return { body, trimmed: body !== text.trim() };
}

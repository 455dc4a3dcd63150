/**
 * What a single line of a reply is (or a few lines, for wrapped attributions): quote, attribution, quoted
 * header, separator, client signature. Pure. The words come from the per-language table in reply-patterns.ts;
 * trim-reply.ts decides what to cut from these verdicts.
 */
import {
  alternation, ANSWERED_WORDS, CLIENT_SIGNATURES, DATE_NAMES, FORWARD_INTROS, FORWARD_TITLES, FROM_NAMES, HEADER_NAMES, OPEN_WORDS,
  ORIGINAL_LINES, ORIGINAL_TITLES, SIGN_OFF_WORDS, WROTE_WORDS,
} from "./reply-patterns.ts";

// ---------------------------------------------------------------------------------------------------------
// Line patterns, built from the per-language table in reply-patterns.ts

/** "> text", and Supercite initials ("AB> text"); longer names ("Richard> …") are too ambiguous. */
export const QUOTE = /^[ \t]*(?:[A-Za-z]{1,3})?>/;

/**
 * An attribution, tested on the (joined) line without surrounding dashes: a verb at the end, or a verb
 * followed by the name/date and a colon ("Am 03.02.2016 schrieb Max <m@x.de>:", "… schrieb am Fr., 28. Apr. 2017 um 11:53 Uhr:").
 */
export const ATTRIBUTION = new RegExp(`(?<![\\p{L}])(?:${WROTE_WORDS})(?:(?:[ \\t]+(?:[^:\\n]|:(?=\\d|//)|(?<=mailto):){0,160})?[ \\t]*[:：]|[ \\t]*)$`, "iu");
const WROTE_ANYWHERE = new RegExp(`(?<![\\p{L}])(?:${WROTE_WORDS})`, "iu");
/** "Maria ha risposto alla tua domanda:": phrases no sentence of a reply ends with; no date or address needed. */
const ANSWERED = new RegExp(`^.{1,100}(?<![\\p{L}])(?:${ANSWERED_WORDS})[ \\t]*[:：]$`, "iu");
/** Lines that open an attribution in their language ("On", "Le", "Am", "El", "Dne", "在", …). */
export const ON_WORD = new RegExp(`^(?:${OPEN_WORDS})\\s`, "iu");
/** Old Gmail / Russian style: a date, a name and an address, then optionally a colon ("2013/7/20 sam <s@x.org>"). */
const DATE_NAME_ADDRESS = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\p{L}{2,3},\s*\d{1,2}\s\p{L}+\.?\s\d{4}).{0,120}<\s*[^<>\s]+@[^<>\s]+\s*>\s*:?$/u;
/** Gmail's old localised attribution, no address and no verb: "2016-03-03 17:21 GMT+01:00 Jan Novák:" (or without the colon). */
const GMAIL_DATE_NAME = /^\d{4}-\d{2}-\d{2} \d{1,2}:\d{2} GMT[+-]\d{1,2}:\d{2} \S.{0,80}$/u;
export const HAS_TIME = /\d{1,2}[:.]\d{2}/;
const HAS_ADDRESS = /[^\s<>()"]+@[^\s<>()"]+\.[^\s<>()"]+/;

/** Header lines of Outlook/Gmail/Apple quoted-header blocks; French puts a space before the colon ("De : …"). */
export const HEADER_LINE = new RegExp(`^[ \\t*]*(?:${HEADER_NAMES})[ \\t*]*[:：]`, "iu");
export const DATE_HEADER = new RegExp(`^[ \\t*]*(?:${alternation(DATE_NAMES)})[ \\t*]*[:：]`, "iu");
export const FROM_HEADER = new RegExp(`^[ \\t*]*(?:${alternation(FROM_NAMES)})[ \\t*]*[:：]`, "iu");
/** Outlook's single-line variant: "From: X Sent: … To: … Subject: …". */
export const ONE_LINE_HEADER = /^[ \t*]*from:.{1,200}\bsent:.{1,80}\bto:/i;
/** A header value the client wrapped onto its own line: Outlook's "From: Name" with "<name@x.org>" below. */
export const ADDRESS_ONLY = /^[ \t]*(?:<[^<>\s]+@[^<>\s]+>|\[mailto:[^\]\s]+\]|mailto:\S+)[ \t]*$/i;

/** "-----Original Message-----" and its translations: history follows (forwarded.ts reads them too). */
export const ORIGINAL_MESSAGE = new RegExp(
  `^[ \\t>*]*(?:-{2,}[ \\t]*(?:${ORIGINAL_TITLES})[ \\t]*-*[ \\t*]*|(?:${ORIGINAL_LINES}))$`,
  "iu",
);
/** Forward markers: the forwarded mail is content, kept as is (forwarded.ts finds the forwarded mail by them). */
export const FORWARD = new RegExp(`^[ \\t*]*(?:-{2,}[ \\t]*(?:${FORWARD_TITLES})[ \\t]*-*|(?:${FORWARD_INTROS})[ \\t]*:)`, "iu");

/** RFC 3676 signature separator ("-- "); Gmail and others drop the trailing space. */
export const SIG_DASH = /^--[ \t]?$/;
/** Separator lines made of punctuation, and Gmail's tracking mark "ᐧ". */
export const DELIMITER = /^[ \t]*(?:[-_=+~#*—,]{2,}|ᐧ)[ \t]*$/u;

const DEVICE = /\b(?:i(?:phone|pad|pod)|android|blackberry|mobile|phone|cell|smartphone|tablet|samsung|galaxy|htc|nokia|huawei|xiaomi|pixel|motorola|sony|lg|windows|verizon|device|handy)\b/i;
/** Mobile-client signatures in many languages (links are flattened before matching). */
const MOBILE_SIG = new RegExp(`^[\\s(<]*(?:${CLIENT_SIGNATURES.join("|")})$`, "iu");

export function isMobileSignature(line: string): boolean {
  // "-Abhishek Kona": a dash glued to a name, the way people sign off (a list item has a space after the dash).
  if (/^[ \t]*[-–—]\p{Lu}[\p{L}.'’ -]{0,40}$/u.test(line)) return true;
  // "[Outlook for Android](https://…)" and "Outlook für Android<https://aka.ms/…>": the link is the client's advert.
  const flat = line
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/[ \t]*<https?:\/\/[^>\s]*>/gi, "")
    .replace(/[ \t]*\[https?:\/\/[^\]\s]*\]/gi, "")
    .trim();
  if (flat.length === 0 || flat.length > 120) return false;
  // "Sent from my iPhone" yes; "Sent from my desk, it is much easier" no: the thing after "my" must be a
  // device, or the line must be as short as a client's default signature.
  const fromMy = /^[\s(<]*sent from my (.*)$/i.exec(flat);
  if (fromMy) return DEVICE.test(fromMy[1]!.split(/\s+/).slice(0, 4).join(" ")) || fromMy[1]!.length <= 20;
  return MOBILE_SIG.test(flat);
}

// ---------------------------------------------------------------------------------------------------------
// Attributions, possibly wrapped over several lines

export function attributionAt(text: string): boolean {
  // Android mail: "---- John Smith wrote ----"; the dashes on both sides are the client's, not prose.
  if (/^[ \t>]*-{3,}.{1,120}\bwrote\b[ \t:]*-{3,}[ \t]*$/i.test(text.trim())) return true;
  const s = text.replace(/^[\s>\-*]+|[\s\-*]+$/g, "").replace(/\s+/g, " ");
  if (s.length < 8 || s.length > 400) return false;
  if (DATE_NAME_ADDRESS.test(s) || GMAIL_DATE_NAME.test(s) || ANSWERED.test(s)) return true;
  if (HAS_TIME.test(s) && /<[^<>]*@[^<>]*>\s*:$/.test(s) && /\d{4}/.test(s)) return true;
  if (!ATTRIBUTION.test(s)) return false;
  // Prose such as "In 2019 my boss wrote:" is not an attribution: it takes an opening word with a date, an
  // address, a time of day, or the "user … wrote" wording of Russian Gmail.
  return (ON_WORD.test(s) && /\d/.test(s)) || HAS_ADDRESS.test(s) || HAS_TIME.test(s) || /пользователь|użytkownik/iu.test(s);
}

/**
 * Length (in lines) of an attribution starting at `i`, or 0. Clients wrap long attributions ("… <\n
 * info@x.org> wrote:"); a blank line inside one is tolerated only before address fragments ("<", "mailto:").
 */
export function attributionSpan(lines: string[], i: number): number {
  const first = lines[i]!;
  if (first.trim() === "" || QUOTE.test(first) || first.length > 300) return 0;
  // A wrapped attribution still starts like one: an opening word, a date, an address or the verb itself.
  // Without this, "Thanks!\nOn Mon … wrote:" would be read as one attribution and swallow "Thanks!".
  const opener = first.replace(/^[\s\-*]+/, "");
  const startsLikeOne = ON_WORD.test(opener) || /^\d/.test(opener) || opener.includes("<") || HAS_ADDRESS.test(opener) || WROTE_ANYWHERE.test(opener);
  let joined = "";
  for (let j = i, taken = 0; j < lines.length && taken < 5; j++) {
    const line = lines[j]!;
    if (line.trim() === "") {
      const next = lines.slice(j + 1).find((l) => l.trim() !== "") ?? "";
      if (!/^[ \t>]*(?:<|mailto:|[^\s]*@)/.test(next)) return 0;
      continue;
    }
    if (line.length > 300) return 0;
    // Continuation lines may carry a stray quote mark ("> wrote:"), but not a quoted sentence.
    if (j > i && QUOTE.test(line) && line.trim().length > 24) return 0;
    joined += ` ${line.replace(/^[ \t>]+(?=\S)/, "")}`;
    taken++;
    if (attributionAt(joined)) return j === i || startsLikeOne ? j - i + 1 : 0;
  }
  return 0;
}


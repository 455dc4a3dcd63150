/**
 * Strips quoted history and signatures from a reply, keeping what the sender wrote. Pure.
 *
 * Works on whole lines: every line is classified (quote, attribution "On … wrote:", Outlook header block,
 * separator, signature, text), then history is cut and signatures are dropped. Kept lines are returned
 * verbatim, so the sender's own formatting survives. The full original is always stored elsewhere; this
 * is the readable version for the case stream.
 *
 * Rules that protect the sender's words:
 *  - Inline answers: a quote block followed by the sender's own text is kept (only its "On … wrote:" line
 *    goes); only quotes after the last written line are removed.
 *  - Forwards are kept whole: "---------- Forwarded message ---------" and what follows is the content the
 *    customer wants us to read. (Outlook's "From:/Sent:" block looks the same for replies and forwards and
 *    is cut; the stored original still has it.)
 *  - Nothing is trimmed inside ``` code fences, and a message is never trimmed to nothing.
 *
 * Measured against discourse/email_reply_trimmer, mailgun/talon and github/email_reply_parser expectations
 * by test/corpus/trim-corpus.test.ts and tools/corpus-report.ts.
 */

import {
  alternation, ANSWERED_WORDS, CLIENT_SIGNATURES, DATE_NAMES, FORWARD_INTROS, FORWARD_TITLES, FROM_NAMES, HEADER_NAMES, OPEN_WORDS,
  ORIGINAL_LINES, ORIGINAL_TITLES, SIGN_OFF_WORDS, WROTE_WORDS,
} from "./reply-patterns.ts";

export interface TrimResult {
  /** What the sender wrote, without quoted history or signature; leading/trailing blank lines removed. */
  body: string;
  /** True when something was removed. */
  trimmed: boolean;
}

type Kind = "blank" | "quote" | "attribution" | "header" | "separator" | "forward" | "sig-dash" | "delimiter" | "mobile-sig" | "text";

// ---------------------------------------------------------------------------------------------------------
// Line patterns, built from the per-language table in reply-patterns.ts

/** "> text", and Supercite initials ("AB> text"); longer names ("Richard> …") are too ambiguous. */
const QUOTE = /^[ \t]*(?:[A-Za-z]{1,3})?>/;

/**
 * An attribution, tested on the (joined) line without surrounding dashes: a verb at the end, or a verb
 * followed by the name/date and a colon ("Am 03.02.2016 schrieb Max <m@x.de>:", "… schrieb am Fr., 28. Apr. 2017 um 11:53 Uhr:").
 */
const ATTRIBUTION = new RegExp(`(?<![\\p{L}])(?:${WROTE_WORDS})(?:(?:[ \\t]+(?:[^:\\n]|:(?=\\d|//)|(?<=mailto):){0,160})?[ \\t]*[:：]|[ \\t]*)$`, "iu");
const WROTE_ANYWHERE = new RegExp(`(?<![\\p{L}])(?:${WROTE_WORDS})`, "iu");
/** "Maria ha risposto alla tua domanda:": phrases no sentence of a reply ends with; no date or address needed. */
const ANSWERED = new RegExp(`^.{1,100}(?<![\\p{L}])(?:${ANSWERED_WORDS})[ \\t]*[:：]$`, "iu");
/** Lines that open an attribution in their language ("On", "Le", "Am", "El", "Dne", "在", …). */
const ON_WORD = new RegExp(`^(?:${OPEN_WORDS})\\s`, "iu");
/** Old Gmail / Russian style: a date, a name and an address, then optionally a colon ("2013/7/20 sam <s@x.org>"). */
const DATE_NAME_ADDRESS = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\p{L}{2,3},\s*\d{1,2}\s\p{L}+\.?\s\d{4}).{0,120}<\s*[^<>\s]+@[^<>\s]+\s*>\s*:?$/u;
/** Gmail's old localised attribution, no address and no verb: "2016-03-03 17:21 GMT+01:00 Jan Novák:" (or without the colon). */
const GMAIL_DATE_NAME = /^\d{4}-\d{2}-\d{2} \d{1,2}:\d{2} GMT[+-]\d{1,2}:\d{2} \S.{0,80}$/u;
const HAS_TIME = /\d{1,2}[:.]\d{2}/;
const HAS_ADDRESS = /[^\s<>()"]+@[^\s<>()"]+\.[^\s<>()"]+/;

/** Header lines of Outlook/Gmail/Apple quoted-header blocks; French puts a space before the colon ("De : …"). */
const HEADER_LINE = new RegExp(`^[ \\t*]*(?:${HEADER_NAMES})[ \\t*]*[:：]`, "iu");
const DATE_HEADER = new RegExp(`^[ \\t*]*(?:${alternation(DATE_NAMES)})[ \\t*]*[:：]`, "iu");
const FROM_HEADER = new RegExp(`^[ \\t*]*(?:${alternation(FROM_NAMES)})[ \\t*]*[:：]`, "iu");
/** Outlook's single-line variant: "From: X Sent: … To: … Subject: …". */
const ONE_LINE_HEADER = /^[ \t*]*from:.{1,200}\bsent:.{1,80}\bto:/i;
/** A header value the client wrapped onto its own line: Outlook's "From: Name" with "<name@x.org>" below. */
const ADDRESS_ONLY = /^[ \t]*(?:<[^<>\s]+@[^<>\s]+>|\[mailto:[^\]\s]+\]|mailto:\S+)[ \t]*$/i;

/** "-----Original Message-----" and its translations: history follows (forwarded.ts reads them too). */
export const ORIGINAL_MESSAGE = new RegExp(
  `^[ \\t>*]*(?:-{2,}[ \\t]*(?:${ORIGINAL_TITLES})[ \\t]*-*[ \\t*]*|(?:${ORIGINAL_LINES}))$`,
  "iu",
);
/** Forward markers: the forwarded mail is content, kept as is (forwarded.ts finds the forwarded mail by them). */
export const FORWARD = new RegExp(`^[ \\t*]*(?:-{2,}[ \\t]*(?:${FORWARD_TITLES})[ \\t]*-*|(?:${FORWARD_INTROS})[ \\t]*:)`, "iu");

/** RFC 3676 signature separator ("-- "); Gmail and others drop the trailing space. */
const SIG_DASH = /^--[ \t]?$/;
/** Separator lines made of punctuation, and Gmail's tracking mark "ᐧ". */
const DELIMITER = /^[ \t]*(?:[-_=+~#*—,]{2,}|ᐧ)[ \t]*$/u;

const DEVICE = /\b(?:i(?:phone|pad|pod)|android|blackberry|mobile|phone|cell|smartphone|tablet|samsung|galaxy|htc|nokia|huawei|xiaomi|pixel|motorola|sony|lg|windows|verizon|device|handy)\b/i;
/** Mobile-client signatures in many languages (links are flattened before matching). */
const MOBILE_SIG = new RegExp(`^[\\s(<]*(?:${CLIENT_SIGNATURES.join("|")})$`, "iu");

function isMobileSignature(line: string): boolean {
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

function attributionAt(text: string): boolean {
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
function attributionSpan(lines: string[], i: number): number {
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

// ---------------------------------------------------------------------------------------------------------

function classify(lines: string[]): { kinds: Kind[]; span: number[] } {
  const kinds: Kind[] = new Array<Kind>(lines.length).fill("text");
  const span: number[] = new Array<number>(lines.length).fill(1);
  let inCode = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^[ \t]*```/.test(line)) {
      inCode = !inCode;
      continue;
    }
    if (inCode) continue;
    if (line.trim() === "") kinds[i] = "blank";
    else if (FORWARD.test(line)) kinds[i] = "forward";
    else if (ORIGINAL_MESSAGE.test(line)) kinds[i] = "separator";
    else if (SIG_DASH.test(line)) kinds[i] = "sig-dash";
    else if (DELIMITER.test(line)) kinds[i] = "delimiter";
    else if (ONE_LINE_HEADER.test(line)) kinds[i] = "header";
    else {
      const n = attributionSpan(lines, i);
      if (n > 0) {
        kinds[i] = "attribution";
        span[i] = n;
        for (let k = i + 1; k < i + n; k++) kinds[k] = "blank";
        i += n - 1;
      } else if (QUOTE.test(line)) kinds[i] = "quote";
      else if (isMobileSignature(line)) kinds[i] = "mobile-sig";
    }
  }
  // "On Mon, Support wrote:" carries no date digits, address or time, so attributionAt() alone (which must
  // not take prose like "On Monday my boss wrote:") refuses it. Directly above a quote block, a line that
  // opens like an attribution and ends with its verb and a colon is one.
  for (let i = 0; i < lines.length; i++) {
    if (kinds[i] !== "text") continue;
    const s = lines[i]!.trim();
    let j = i + 1;
    while (j < lines.length && kinds[j] === "blank") j++;
    if (kinds[j] === "quote" && s.length <= 200 && ON_WORD.test(s) && /[:：]$/.test(s) && ATTRIBUTION.test(s)) kinds[i] = "attribution";
  }
  // A quoted link wrapped by the client leaves its tail unquoted between two quoted lines ("> see (http://x/a\n
  // _nonce=3dd518)\n>"): one word with no spaces there belongs to the quote.
  for (let i = 1; i < lines.length - 1; i++) {
    const t = lines[i]!.trim();
    if (kinds[i] === "text" && kinds[i - 1] === "quote" && kinds[i + 1] === "quote" && (/^\S+$/.test(t) || /^\(?https?:\/\/\S+\)?\s*>?$/.test(t))) kinds[i] = "quote";
  }
  // Header blocks: a run of header lines that starts with From/Date/Sent and has at least three lines, or
  // two when one of them carries a time ("Date: Wed, 16 May 2012 00:15:02"). A lone "Subject: …" or
  // "To: …" in prose stays text.
  for (let i = 0; i < lines.length; i++) {
    if (kinds[i] !== "text" || !(FROM_HEADER.test(lines[i]!) || DATE_HEADER.test(lines[i]!))) continue;
    let j = i;
    let headers = 0;
    let timed = false;
    while (j < lines.length && j - i < 12 && (kinds[j] === "text" || kinds[j] === "mobile-sig")) {
      const line = lines[j]!;
      if (HEADER_LINE.test(line)) {
        headers++;
        timed ||= DATE_HEADER.test(line) && HAS_TIME.test(line);
      } else if (j > i && ADDRESS_ONLY.test(line)) {
        // the address of the header above, wrapped onto its own line
      } else if (!(j > i && /^[ \t]+\S/.test(line) && HEADER_LINE.test(lines[j - 1]!)) && !(headers >= 3 && j === i + headers)) break;
      j++;
    }
    if (headers >= 3 || (headers === 2 && timed)) kinds[i] = "header";
  }
  return { kinds, span };
}

const isText = (k: Kind): boolean => k === "text";

/**
 * Some clients glue the attribution to the last line of the reply ("Thanks--- On Wed, Apr 4, 2012 at 3:59
 * PM, bob@example.com wrote:"). When a quote follows, split the line so the attribution stands alone.
 */
function splitGluedAttributions(lines: string[]): string[] {
  const out: string[] = [];
  lines.forEach((line, i) => {
    const m = /^(.*?\S)[ \t]*(?:-{2,}[ \t]*|[ \t])((?:on|am|le|el|op)[ \t].{5,250})$/i.exec(line);
    const nextLine = lines.slice(i + 1).find((l) => l.trim() !== "") ?? "";
    const glued = m !== null && /\d/.test(m[2]!.slice(0, 40)) && !/^[\s>-]*$/.test(m[1]!);
    if (glued && QUOTE.test(nextLine) && !QUOTE.test(line) && attributionAt(m[2]!)) out.push(m[1]!.replace(/[-\s]+$/, ""), m[2]!);
    else out.push(line);
  });
  return out;
}

export function trimReply(text: string): TrimResult {
  const normalised = text.replace(/\r\n?/g, "\n");
  const lines = splitGluedAttributions(normalised.split("\n"));
  const { kinds, span } = classify(lines);
  const keep: boolean[] = lines.map(() => true);
  const hasTextBefore = (i: number): boolean => kinds.slice(0, i).some((k, j) => (isText(k) || k === "quote") && keep[j]);
  const nextNonBlank = (i: number): number => {
    let j = i;
    while (j < lines.length && kinds[j] === "blank") j++;
    return j;
  };
  /** End of the quote block starting at (or after blanks from) i, or i when there is none. */
  const quoteBlockEnd = (i: number): number => {
    let j = nextNonBlank(i);
    if (kinds[j] !== "quote") return i;
    while (j < lines.length && (kinds[j] === "quote" || (kinds[j] === "blank" && kinds[nextNonBlank(j)] === "quote"))) j++;
    return j;
  };
  /** Whether lines [from, to) hold words of the sender (text that is not a trailing signature). */
  const ownWordsIn = (from: number, to: number): boolean => {
    for (let j = from; j < to; j++) {
      if (kinds[j] === "sig-dash" || kinds[j] === "mobile-sig" || kinds[j] === "forward") return false;
      if (kinds[j] === "delimiter" && j > 0 && kinds[j - 1] === "blank") return false;
      if (isText(kinds[j]!)) return true;
    }
    return false;
  };

  // 1. Where the history starts.
  let end = lines.length;
  for (let i = 0; i < end; i++) {
    const k = kinds[i]!;
    if (k === "forward") break; // forwarded content is kept, whatever follows
    if (k === "separator" || k === "header") {
      if (!hasTextBefore(i)) continue;
      end = i;
      // Take the separator line and blank lines in front of an Outlook block with it ("_____\nFrom: …").
      while (end > 0 && (kinds[end - 1] === "blank" || kinds[end - 1] === "delimiter" || kinds[end - 1] === "separator")) end--;
      break;
    }
    if (k !== "attribution") continue;
    const after = i + span[i]!;
    const quoteEnd = quoteBlockEnd(after);
    const quoted = quoteEnd > after;
    const dropAttribution = (): void => {
      for (let j = i; j < after; j++) keep[j] = false;
    };
    if (!hasTextBefore(i)) {
      // Bottom-posting: "On … wrote:" and the quote open the message, the answer follows. Drop both, unless
      // the sender answers between several quote blocks (then the quotes are the questions: keep them).
      dropAttribution();
      if (quoted && ownWordsIn(quoteEnd, end) && !interleaved(kinds, quoteEnd, end)) for (let j = after; j < quoteEnd; j++) keep[j] = false;
      continue;
    }
    if (quoted && signOffOnly(lines, kinds, quoteEnd, end)) {
      // "Reply / On … wrote: / > quote / Regards, Roman": the quote sits above a mere sign-off, not above an
      // answer, so it is history; the sign-off is the sender's and stays.
      for (let j = i; j < quoteEnd; j++) keep[j] = false;
      continue;
    }
    if (quoted && ownWordsIn(quoteEnd, end)) {
      dropAttribution(); // an inline answer follows the quote: keep the quote, drop "On … wrote:"
      continue;
    }
    end = i; // "On … wrote:" followed by history (quoted or not, as Outlook mobile and Gmail forwards do)
    break;
  }

  // 2. Signatures and trailing quotes, until nothing changes (removing one can expose the other).
  for (let changed = true; changed; ) {
    changed = false;
    const last = lastKept(keep, kinds, end);
    if (last >= 0 && kinds[last] === "quote") {
      let j = last;
      while (j > 0 && (kinds[j - 1] === "quote" || kinds[j - 1] === "blank" || (kinds[j - 1] === "attribution" && !keep[j - 1]))) j--;
      if (j > 0 && hasTextBefore(j) && kinds.slice(0, j).some((kk, x) => isText(kk) && keep[x])) {
        end = j;
        changed = true;
        continue;
      }
    }
    const cut = Math.min(signatureCut(lines, kinds, keep, end), signOffBlockCut(lines, kinds, keep, end));
    if (cut < end) {
      end = cut;
      changed = true;
    }
  }

  const kept = lines.slice(0, end).filter((_, i) => keep[i]);
  const body = kept.join("\n").replace(/^(?:[ \t]*\n)+/, "").replace(/\s+$/, "");
  const original = normalised.replace(/^(?:[ \t]*\n)+/, "").replace(/\s+$/, "");
  if (body.trim() === "") return { body: original, trimmed: false };
  return { body, trimmed: body !== original };
}

function lastKept(keep: boolean[], kinds: Kind[], end: number): number {
  for (let i = end - 1; i >= 0; i--) if (keep[i] && kinds[i] !== "blank") return i;
  return -1;
}

const SIGN_OFF = new RegExp(`^[ \\t]*(?:${SIGN_OFF_WORDS})(?![\\p{L}])`, "iu");

/** A sign-off alone on its line: "Regards," / "Mit freundlichen Grüßen" (a name may follow on the same line). */
const SIGN_OFF_LINE = new RegExp(`^[ \\t]*(?:${SIGN_OFF_WORDS})(?![\\p{L}])[ \\t,.!]*(?:[ \\t]\\p{L}[\\p{L}.' -]{0,30})?$`, "iu");
/** A line of a signature block: short, not a sentence that asks or tells something. */
const BLOCK_LINE = /^(?!.*[?]\s*$).{1,70}$/u;

/**
 * "Regards,\n\nJohn Doe\nChief Executive Officer\nExample Ltd.\n+44 …": the sign-off and the name are the
 * sender's and stay; the title, company and contact lines after the name are the signature block and go.
 * Only when the block is the end of the message and looks like one (2–8 short lines, no quotes); a sign-off
 * with just a name ("Thanks,\nAnna") is left alone, and so is a closing word that opens a sentence.
 */
function signOffBlockCut(lines: string[], kinds: Kind[], keep: boolean[], end: number): number {
  const kept: number[] = [];
  for (let i = 0; i < end; i++) if (keep[i] && kinds[i] !== "blank") kept.push(i);
  for (let n = 1; n < kept.length; n++) {
    const at = kept[n]!;
    if (kinds[at] !== "text" || !SIGN_OFF_LINE.test(lines[at]!)) continue;
    const nameAt = kept[n + 1];
    const block = kept.slice(n + 2);
    if (nameAt === undefined || block.length < 1 || block.length > 8) continue;
    const name = lines[nameAt]!.trim();
    if (name.length > 40 || /[.!?:;,]$/.test(name) || !/^\p{Lu}/u.test(name)) continue;
    if (!block.every((j) => (kinds[j] === "text" || kinds[j] === "mobile-sig" || kinds[j] === "delimiter") && BLOCK_LINE.test(lines[j]!.trim()))) continue;
    return nameAt + 1;
  }
  return end;
}

/** The text in [from, to) is only a sign-off ("Regards, Roman"): one or two short lines, no more quotes. */
function signOffOnly(lines: string[], kinds: Kind[], from: number, to: number): boolean {
  const rest = lines.slice(from, to).filter((_, j) => kinds[from + j] !== "blank");
  const restKinds = kinds.slice(from, to).filter((k) => k !== "blank");
  return rest.length >= 1 && rest.length <= 2 && restKinds.every(isText) && SIGN_OFF.test(rest[0]!) && rest.every((l) => l.trim().length <= 40);
}

/** Text, then a quote, then text again after `from`: the sender answers point by point. */
function interleaved(kinds: Kind[], from: number, to: number): boolean {
  let sawText = false;
  for (let j = from; j < to; j++) {
    if (isText(kinds[j]!)) sawText = true;
    else if (kinds[j] === "quote" && sawText) return kinds.slice(j, to).some(isText);
  }
  return false;
}

/**
 * Where a trailing signature starts, or `end`. "-- " always starts one; a bare "--" or an underscore
 * footer line only when little follows it (a signature, not a section break in the message); a mobile-client
 * line when only signature-like lines (or a short name block) follow it.
 */
function signatureCut(lines: string[], kinds: Kind[], keep: boolean[], end: number): number {
  const textBefore = (i: number): boolean => kinds.slice(0, i).some((k, j) => (isText(k) || k === "quote") && keep[j]);
  for (let i = 0; i < end; i++) {
    const k = kinds[i]!;
    if (k !== "sig-dash" && k !== "delimiter" && k !== "mobile-sig") continue;
    if (!textBefore(i)) continue;
    const rest = lines.slice(i + 1, end).filter((l, j) => l.trim() !== "" && keep[i + 1 + j]);
    const restKinds = kinds.slice(i + 1, end).filter((kk, j) => kk !== "blank" && keep[i + 1 + j]);
    if (k === "sig-dash") {
      if (lines[i] === "-- " || rest.length <= 12) return i;
      continue;
    }
    if (k === "delimiter") {
      // Only separators and signatures follow: a decoration at the end of the message.
      if (restKinds.every((kk) => kk === "delimiter" || kk === "sig-dash" || kk === "mobile-sig")) return i;
      // "____" after a blank line opens footers and signatures (Outlook, Mailman); "-----" or "=====" is as
      // often a section break in a customer's own text, so those never cut what follows them.
      const footer = /^[ \t]*_{2,}[ \t]*$/.test(lines[i]!) || lines[i]!.trim() === "ᐧ";
      if (footer && (i === 0 || kinds[i - 1] === "blank") && rest.length <= 6 && !restKinds.includes("quote")) return i;
      continue;
    }
    // Mobile signature: everything after it is signature-like, or a name/phone block of two short lines.
    const sigLike = restKinds.every((kk) => kk === "mobile-sig" || kk === "delimiter" || kk === "sig-dash");
    if (sigLike || (rest.length <= 2 && rest.every((l) => l.trim().length <= 40))) return i;
  }
  return end;
}

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
  ADDRESS_ONLY, ATTRIBUTION, attributionAt, attributionSpan, DATE_HEADER, DELIMITER, FORWARD, FROM_HEADER, HAS_TIME, HEADER_LINE,
  isMobileSignature, ON_WORD, ONE_LINE_HEADER, ORIGINAL_MESSAGE, QUOTE, SIG_DASH,
} from "./reply-lines.ts";
import { SIGN_OFF_WORDS } from "./reply-patterns.ts";

/** Re-exported: forwarded.ts and others read the separators from here. */
export { FORWARD, ORIGINAL_MESSAGE } from "./reply-lines.ts";

export interface TrimResult {
  /** What the sender wrote, without quoted history or signature; leading/trailing blank lines removed. */
  body: string;
  /** True when something was removed. */
  trimmed: boolean;
}

type Kind = "blank" | "quote" | "attribution" | "header" | "separator" | "forward" | "sig-dash" | "delimiter" | "mobile-sig" | "text";

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

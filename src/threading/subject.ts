import { parseCaseNumber } from "../case/case-number.ts";

/**
 * Subject handling: the case tag we put in subjects and the reply/forward prefixes customers' mail
 * clients add. Pure.
 */

/**
 * Reply and forward prefixes in the languages our customers write (and the ones their mail clients
 * default to): English Re/Fwd/Fw, German AW/WG, Czech/Slovak Odp/Fw, Polish Odp/PD/Dotyczy,
 * Nordic SV/VS/VB/Vs/Antw, Dutch Antw/Doorst, French TR/RE, Spanish RV, Italian R/I, Chinese
 * 回复/回覆/答复/转发/轉寄. Matched case-insensitively with an optional counter ("Re[2]:", "Re 3:").
 */
const PREFIX =
  /^\s*(?:(?:re|fwd?|aw|wg|odp|pd|dotyczy|sv|vs|vb|antw|doorst|tr|rv|r|i|odg|ynt|atb|továbbítás|vá|回复|回覆|答复|答覆|转发|轉寄|转寄|転送)(?:\s*[[(]?\d+[\])]?)?\s*[:：]|\[[^\]]*\]\s*(?=(?:re|fwd?|aw|wg)\s*:))\s*/iu;

/** Removes any chain of reply/forward prefixes ("Re: AW: Fwd: x" → "x"). */
export function stripReplyPrefixes(subject: string): string {
  let s = subject;
  for (let i = 0; i < 20; i++) {
    const next = s.replace(PREFIX, "");
    if (next === s) break;
    s = next;
  }
  return s.trim();
}

export function caseTag(prefix: string, number: number): string {
  return `[${prefix}-${number}]`;
}

/**
 * Finds our case tag anywhere in a subject ("Re: [MC-1042] Printer" → 1042). Up to 16 digits (64-bit case
 * numbers); a tag above MAX_CASE_NUMBER is no tag at all, so it can never be rounded onto another case.
 */
export function findCaseTag(prefix: string, subject: string): number | null {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  for (const m of subject.matchAll(new RegExp(`\\[${escaped}-(\\d+)\\]`, "gi"))) {
    const n = m[1] ? parseCaseNumber(m[1]) : null;
    if (n !== null) return n;
  }
  return null;
}

/** Subject for mail about a case: always carries the tag once, keeps the customer's wording. */
export function taggedSubject(prefix: string, number: number, subject: string): string {
  const tag = caseTag(prefix, number);
  const clean = stripReplyPrefixes(subject.replace(new RegExp(`\\s*\\[${prefix}-\\d+\\]\\s*`, "gi"), " ")).trim();
  return `${tag} ${clean || "(no subject)"}`;
}

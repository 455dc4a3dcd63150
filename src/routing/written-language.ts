/**
 * The language a customer wrote in, of the four Mailcase speaks, for assignment rules (`when.language`).
 * Detection is franc's trigram model restricted to those four, so a Czech message without diacritics is still
 * Czech and not Slovak; Chinese is recognised by its script. Short or mixed texts give null, and the caller
 * falls back to the contact's locale.
 */
import { franc } from "franc-min";

export type WrittenLanguage = "en" | "cs" | "pl" | "zh";

const BY_ISO639_3: Readonly<Record<string, WrittenLanguage>> = { eng: "en", ces: "cs", pol: "pl", cmn: "zh" };

/** Enough text to decide on; the rest of a long description only costs time (franc is linear in its input). */
const SAMPLE_CHARS = 2000;
/** Below this many characters franc guesses; a subject like "Invoice" must not decide a language. */
const MIN_CHARS = 12;

export function writtenLanguage(text: string): WrittenLanguage | null {
  // Quoted lines are somebody else's words (often ours, in English): only what the customer wrote counts.
  const own = text.split("\n").filter((line) => !line.trimStart().startsWith(">")).join(" ");
  const sample = own.replace(/\s+/g, " ").trim().slice(0, SAMPLE_CHARS);
  const code = franc(sample, { only: Object.keys(BY_ISO639_3), minLength: MIN_CHARS });
  return BY_ISO639_3[code] ?? null;
}

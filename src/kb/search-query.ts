/**
 * How a search query is read (pure): words for PostgreSQL full-text search, or n-grams for Chinese (and any
 * text in a script without spaces between words), where full-text search finds nothing useful because
 * PostgreSQL's parsers treat a whole run of Han characters as one word.
 */

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;
const WORD = /[\p{L}\p{N}]+/gu;

export const MAX_QUERY_LENGTH = 200;
const MAX_TERMS = 12;

export type SearchQuery = { mode: "words"; words: string[] } | { mode: "ngrams"; grams: string[] } | { mode: "empty" };

/** Lower case without diacritics, as the index stores text (unaccent in SQL; here for the n-grams only). */
export function fold(s: string): string {
  return s.normalize("NFKD").replace(/\p{M}/gu, "").replace(/ł/g, "l").replace(/Ł/g, "l").toLowerCase();
}

export function readQuery(raw: string): SearchQuery {
  const q = raw.slice(0, MAX_QUERY_LENGTH).trim();
  if (CJK.test(q)) {
    const grams = new Set<string>();
    for (const m of q.matchAll(CJK_RUN)) {
      const run = [...m[0]];
      if (run.length === 1) grams.add(run[0]!);
      for (let i = 0; i + 1 < run.length; i++) grams.add(run[i]! + run[i + 1]!);
    }
    // Latin words beside the Han text (product names: "VPN 连接") count as grams too.
    for (const w of q.replace(CJK_RUN, " ").matchAll(WORD)) if (w[0].length >= 2) grams.add(fold(w[0]));
    const list = [...grams].slice(0, MAX_TERMS * 2);
    return list.length ? { mode: "ngrams", grams: list } : { mode: "empty" };
  }
  const words = [...new Set([...q.matchAll(WORD)].map((m) => m[0].toLowerCase()))].slice(0, MAX_TERMS);
  return words.length ? { mode: "words", words } : { mode: "empty" };
}

/**
 * A to_tsquery text: every word as a prefix, any word may match (`|`) and the rank rewards the articles that
 * match more of them. Words are letters and digits only, so nothing in them is tsquery syntax.
 *
 * `inflected` (Czech, Polish: no PostgreSQL dictionary): the word's ending is cut before the prefix match,
 * standing in for a stemmer — "faktura" searches `faktu:*` and so finds "faktury", "fakturu"; "heslo" finds
 * "hesla". English articles use the english configuration, which stems on its own.
 */
export function tsQueryText(words: readonly string[], inflected: boolean): string {
  return words.map((w) => `${inflected ? stemPrefix(w) : w}:*`).join(" | ");
}

export function stemPrefix(word: string): string {
  const chars = [...word];
  if (chars.length >= 6) return chars.slice(0, chars.length - 2).join("");
  if (chars.length === 5) return chars.slice(0, 4).join("");
  return word;
}

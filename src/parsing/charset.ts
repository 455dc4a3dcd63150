/**
 * Charset decoding of text bodies and encoded-word headers. Pure apart from the stream class mailparser
 * constructs.
 */
import { Transform } from "node:stream";
import libmime from "libmime";

/**
 * Declared charset → the superset we decode it with. Senders routinely label text with the smaller standard
 * while writing characters of its superset (GBK or GB18030 text sent as "gb2312", Windows-1252 quotes and €
 * sent as "iso-8859-1", Unified Hangul sent as "ks_c_5601-1987"); the superset decodes every byte sequence of
 * the declared charset the same way, so widening never hurts correctly labelled mail. Keys are libmime's
 * canonical names, lower-cased (libmime already folds gb2312 → GBK, latin1 → windows-1252, euc-kr → cp949
 * inside iconv-lite): GBK → GB18030 is the one widening it lacks, the rest are listed to make the chain explicit.
 */
const SUPERSET_CHARSETS: ReadonlyMap<string, string> = new Map([
  ["gbk", "gb18030"],
  ["euc-cn", "gb18030"],
  ["cp936", "gb18030"],
  ["ms936", "gb18030"],
  ["windows-936", "gb18030"],
  ["windows-1252", "windows-1252"],
  ["euc-kr", "cp949"],
]);

/**
 * The charset to decode text declared as `declared` with: its superset when it has one, else the name as given.
 * An unknown name is returned unchanged; libmime then decodes as UTF-8 with U+FFFD for invalid bytes, so an
 * unknown charset never throws (the last step of the chain: declared → superset → replacement characters).
 */
export function supersetCharset(declared: string): string {
  return SUPERSET_CHARSETS.get(libmime.normalizeCharset(declared).toLowerCase()) ?? declared;
}

/**
 * mailparser's `Iconv` hook, used as a constructor for every text body that is not UTF-8/ASCII. It yields
 * libmime's own decode stream (what mailparser uses without the hook, so Japanese charsets, multibyte characters
 * split across chunks and the UTF-7 refusal behave exactly the same) for the superset charset. mailparser strips
 * refused charsets (UTF-7) before calling the hook.
 */
export class SupersetDecodeStream extends Transform {
  constructor(fromCharset: string) {
    super();
    // A constructor that returns an object makes `new` yield that object; the Transform built by super() is dropped.
    return libmime.createDecodeStream(supersetCharset(fromCharset));
  }
}

/** An RFC 2047 encoded word's opening `=?charset*lang?X?`: groups charset, language suffix, encoding. */
const ENCODED_WORD_OPENING = /=\?([^?*\s]+)(\*[^?\s]*)?\?([BbQq])\?/g;

/**
 * The top-level header block with encoded words relabelled to their superset charset, or null when no label
 * needs it (the common case: nothing to re-parse). Header decoding in libmime does not go through the `Iconv`
 * hook, so "=?gb2312?B?…?=" carrying GB18030 four-byte sequences would otherwise decode to mojibake. Only the
 * top-level header block is rewritten: part headers would need a MIME walk and only carry filenames, where GBK
 * decoding (libmime's own widening of gb2312) is enough in practice.
 */
export function headerBlockWithSupersetLabels(raw: Buffer): Buffer | null {
  const ends = [raw.indexOf("\n\n"), raw.indexOf("\n\r\n")].filter((i) => i >= 0);
  const block = ends.length > 0 ? raw.subarray(0, Math.min(...ends) + 1) : raw;
  const text = block.toString("latin1");
  let changed = false;
  const relabelled = text.replace(ENCODED_WORD_OPENING, (word: string, charset: string, lang: string | undefined, enc: string) => {
    const wider = supersetCharset(charset);
    if (libmime.normalizeCharset(wider) === libmime.normalizeCharset(charset)) return word;
    changed = true;
    return `=?${wider}${lang ?? ""}?${enc}?`;
  });
  return changed ? Buffer.from(relabelled, "latin1") : null;
}

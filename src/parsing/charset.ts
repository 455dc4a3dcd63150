/**
 * Charset decoding of text bodies and encoded-word headers. Pure apart from the stream class mailparser
 * constructs.
 */
import { Transform, type TransformCallback } from "node:stream";
import chardet from "chardet";
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
 * ISO-8859 charsets whose Windows sibling fills the C1 range (0x80–0x9F) with letters and punctuation. Text
 * declared ISO that has bytes there was written in the Windows charset: C1 controls never occur in real text.
 */
const C1_SIBLINGS: ReadonlyMap<string, string> = new Map([
  ["iso-8859-1", "windows-1252"],
  ["iso-8859-2", "windows-1250"],
  ["iso-8859-7", "windows-1253"],
  ["iso-8859-8", "windows-1255"],
  ["iso-8859-9", "windows-1254"],
  ["iso-8859-13", "windows-1257"],
]);

const SINGLE_BYTE = /^(?:iso-8859-\d+|windows-125\d|cp125\d|koi8-[ru]|latin\d?|us-ascii|ascii|mac(?:intosh|roman)?)$/;
const REPLACEMENT_OR_C1 = /[\uFFFD\u0080-\u009F]/;

function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The declared charset's decoding with the platform's WHATWG decoders, or null for a label they do not know. */
function tryDecode(bytes: Uint8Array, charset: string): string | null {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return null;
  }
}

/**
 * The charset to decode a text body declared as `declared` with. Pure. Senders mislabel: UTF-8 goes out as
 * Big5, GB2312 or ISO-8859-1 (a client's default left in place), Windows-1250 as ISO-8859-2. In order:
 *  1. Bytes that are valid UTF-8 with non-ASCII characters are UTF-8 when the declared decoding is implausible:
 *     replacement characters or C1 controls, any single-byte declaration (valid multi-byte UTF-8 in real
 *     Latin-1 text would be "Ã©"-style pairs nobody writes), or chardet's verdict for multi-byte declarations
 *     (GBK or Big5 decode many UTF-8 byte pairs without error).
 *  2. ISO-8859 text with bytes in the C1 range is its Windows sibling.
 *  3. Otherwise the declared charset, widened to its superset (supersetCharset).
 */
export function chooseCharset(bytes: Uint8Array, declared: string): string {
  const name = libmime.normalizeCharset(declared || "utf-8").toLowerCase();
  if (name === "utf-8" || name === "utf8") return "utf-8";
  const nonAscii = bytes.some((b) => b >= 0x80);
  if (!nonAscii) return supersetCharset(declared);
  const asDeclared = tryDecode(bytes, supersetCharset(declared));
  if (isValidUtf8(bytes)) {
    if (asDeclared === null || REPLACEMENT_OR_C1.test(asDeclared) || SINGLE_BYTE.test(name)) return "utf-8";
    if (chardet.analyse(bytes)[0]?.name === "UTF-8") return "utf-8";
  }
  const sibling = C1_SIBLINGS.get(name);
  if (sibling && bytes.some((b) => b >= 0x80 && b <= 0x9f)) return sibling;
  return supersetCharset(declared);
}

/**
 * mailparser's `Iconv` hook, constructed for every text body that is not UTF-8/ASCII. It collects the body,
 * picks the charset with {@link chooseCharset} (which needs all the bytes) and decodes through libmime's own
 * decode stream (what mailparser uses without the hook, so Japanese charsets and unknown names behave the
 * same). mailparser strips refused charsets (UTF-7) before calling the hook.
 */
export class SupersetDecodeStream extends Transform {
  private readonly chunks: Buffer[] = [];

  constructor(private readonly declared: string) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(chunk);
    done();
  }

  override _flush(done: TransformCallback): void {
    const bytes = Buffer.concat(this.chunks);
    const decoder = libmime.createDecodeStream(chooseCharset(bytes, this.declared));
    decoder.on("data", (c: Buffer) => this.push(c));
    decoder.on("error", (err: Error) => done(err));
    decoder.on("end", () => done());
    decoder.end(bytes);
  }
}

/** An RFC 2047 encoded word's opening `=?charset*lang?X?`: groups charset, language suffix, encoding. */
const ENCODED_WORD_OPENING = /=\?([^?*\s]+)(\*[^?\s]*)?\?([BbQq])\?/g;

/**
 * The top-level header block with encoded words relabelled to the charset chooseCharset picks for their bytes
 * (the superset, or UTF-8 when UTF-8 was mislabelled), or null when no label
 * needs it (the common case: nothing to re-parse). Header decoding in libmime does not go through the `Iconv`
 * hook, so "=?gb2312?B?…?=" carrying GB18030 four-byte sequences would otherwise decode to mojibake. Only the
 * top-level header block is rewritten: part headers would need a MIME walk and only carry filenames, where GBK
 * decoding (libmime's own widening of gb2312) is enough in practice.
 */
/** The bytes of the encoded word whose payload starts at `from` (up to its "?="). */
function encodedWordBytes(text: string, from: number, enc: string): Buffer {
  const end = text.indexOf("?=", from);
  const payload = text.slice(from, end < 0 ? from : end);
  if (enc === "B" || enc === "b") return Buffer.from(payload, "base64");
  return Buffer.from(payload.replace(/_/g, " ").replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1");
}

export function headerBlockWithSupersetLabels(raw: Buffer): Buffer | null {
  const ends = [raw.indexOf("\n\n"), raw.indexOf("\n\r\n")].filter((i) => i >= 0);
  const block = ends.length > 0 ? raw.subarray(0, Math.min(...ends) + 1) : raw;
  const text = block.toString("latin1");
  let changed = false;
  const relabelled = text.replace(ENCODED_WORD_OPENING, (word: string, charset: string, lang: string | undefined, enc: string, at: number) => {
    const wider = chooseCharset(encodedWordBytes(text, at + word.length, enc), charset);
    if (libmime.normalizeCharset(wider) === libmime.normalizeCharset(charset)) return word;
    changed = true;
    return `=?${wider}${lang ?? ""}?${enc}?`;
  });
  return changed ? Buffer.from(relabelled, "latin1") : null;
}

/**
 * Attachment file names made safe for every place they are used: stored, mailed on (nodemailer), offered for
 * download on the portal (Content-Disposition), written to disk by an operator's export. Pure.
 *
 * The name comes from the sender and is attacker-controlled: "../../etc/passwd", "invoice.pdf\r\nX-Evil: 1",
 * "report\u202Efdp.exe" (a right-to-left override that shows as "reportexe.pdf"), "CON", 5,000 characters.
 * The original stays on the attachment (`originalFilename`) for display only, always escaped by the viewer.
 */

/** Longest safe name in UTF-8 bytes: below the 255-byte limit of common file systems, with room for a suffix. */
export const MAX_FILENAME_BYTES = 180;
/** Longest extension kept when a long name is shortened. */
const MAX_EXTENSION_CHARS = 16;

/** C0/C1 controls, DEL, and the bidirectional and invisible formatting characters that disguise a name. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/gu;
/** Characters Windows refuses in names (path separators are handled before). */
const RESERVED_CHARS = /[<>:"|?*]/g;
/** Windows device names, with or without an extension ("CON", "nul.txt", "COM1.log"). */
const DEVICE_NAME = /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(?:\.|$)/i;

function utf8Length(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

/** Cuts `s` to at most `bytes` UTF-8 bytes without splitting a character. */
function cutToBytes(s: string, bytes: number): string {
  let out = "";
  for (const ch of s) {
    if (utf8Length(out + ch) > bytes) break;
    out += ch;
  }
  return out;
}

/**
 * A file name safe to store, mail and serve: the last path segment, no control or formatting characters, no
 * characters Windows refuses, no leading dots (no "..", no hidden files), no trailing dots or spaces, not a
 * device name, at most MAX_FILENAME_BYTES bytes with the extension kept; `fallback` when nothing is left.
 */
export function safeFilename(original: string | null | undefined, fallback = "attachment"): string {
  if (!original) return fallback;
  let name = original.normalize("NFC").replace(/[\r\n\t]+/g, " ").replace(CONTROL, "");
  // Only the last segment: "C:\Users\jan\report.pdf" and "../../x" are paths a client or attacker sent.
  name = name.split(/[/\\]+/).filter((s) => s.trim() !== "").pop() ?? "";
  name = name
    .replace(RESERVED_CHARS, "_")
    .replace(/\s+/g, " ")
    .replace(/^[\s.]+/, "")
    .replace(/[\s.]+$/, "");
  if (name === "") return fallback;
  if (DEVICE_NAME.test(name)) name = `_${name}`;
  if (utf8Length(name) > MAX_FILENAME_BYTES) {
    const dot = name.lastIndexOf(".");
    const ext = dot > 0 && name.length - dot - 1 <= MAX_EXTENSION_CHARS ? name.slice(dot) : "";
    name = `${cutToBytes(name.slice(0, name.length - ext.length), MAX_FILENAME_BYTES - utf8Length(ext)).replace(/[\s.]+$/, "")}${ext}`;
  }
  return name === "" || name.startsWith(".") ? fallback : name;
}

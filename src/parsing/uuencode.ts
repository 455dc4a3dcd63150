/** uuencoded files inside text bodies. Pure. */

/** A uuencoded file found in text: where its block sits and what it holds. */
export interface UuencodedFile {
  start: number;
  end: number;
  filename: string;
  content: Buffer;
}

/**
 * Decodes the uuencoded lines in text[from, to) up to the zero-length line; null when a line is not uuencode.
 * Stops at the first bad line, and a "begin" line is never valid uuencode, so no text is decoded twice.
 */
function uudecode(text: string, from: number, to: number): Buffer | null {
  const lines: Buffer[] = [];
  for (let pos = from; pos < to; ) {
    const nl = text.indexOf("\n", pos);
    const lineEnd = nl < 0 || nl > to ? to : nl;
    const line = text.slice(pos, lineEnd).replace(/\r$/, "");
    pos = lineEnd + 1;
    // The zero-length line ends the data; written as "`" or as " ", which trailing-space trimming leaves empty.
    const count = line.length === 0 ? 0 : (line.charCodeAt(0) - 32) & 63;
    if (count === 0) break;
    // Some encoders and transports trim trailing spaces, which encode zero bits: pad them back.
    const data = line.slice(1, 1 + Math.ceil(count / 3) * 4).padEnd(Math.ceil(count / 3) * 4, " ");
    for (let i = 0; i < data.length; i++) {
      const c = data.charCodeAt(i);
      if (c < 32 || c > 96) return null;
    }
    const v = (i: number): number => (data.charCodeAt(i) - 32) & 63;
    const bytes: number[] = [];
    for (let i = 0; i < data.length; i += 4) {
      bytes.push(((v(i) << 2) | (v(i + 1) >> 4)) & 255, ((v(i + 1) << 4) | (v(i + 2) >> 2)) & 255, ((v(i + 2) << 6) | v(i + 3)) & 255);
    }
    lines.push(Buffer.from(bytes.slice(0, count)));
  }
  return Buffer.concat(lines);
}

/**
 * uuencoded files in a text ("begin 644 name" … "end"), as old clients, scanners and fax gateways still send them
 * inline in a text/plain body or as a Content-Transfer-Encoding: x-uuencode part; mailparser does not know the
 * encoding, so without this the file is lost in the body text. Blocks that do not decode are left alone. Linear:
 * "end" lines are found once, and each "begin" takes the next one after it.
 */
export function findUuencodedFiles(text: string): UuencodedFile[] {
  if (!text.includes("begin ")) return [];
  const ends = [...text.matchAll(/^end[ \t]*\r?$/gm)].map((m) => ({ at: m.index, length: m[0].length }));
  const files: UuencodedFile[] = [];
  let nextEnd = 0;
  const begin = /^begin [0-7]{3,4} ([^\n]*\S)[ \t]*\r?$/gm;
  for (let match = begin.exec(text); match; match = begin.exec(text)) {
    const bodyStart = match.index + match[0].length + 1;
    while (nextEnd < ends.length && (ends[nextEnd]?.at ?? 0) < bodyStart) nextEnd++;
    const end = ends[nextEnd];
    if (!end) break;
    const content = uudecode(text, bodyStart, end.at);
    if (!content || !match[1]) continue;
    const blockEnd = Math.min(text.length, end.at + end.length + 1);
    files.push({ start: match.index, end: blockEnd, filename: match[1], content });
    begin.lastIndex = blockEnd;
  }
  return files;
}

/** The text without the uuencoded blocks; a blank line left on both sides of a block is kept once. */
export function withoutBlocks(text: string, files: UuencodedFile[]): string {
  let out = "";
  let pos = 0;
  for (const f of files) {
    out += text.slice(pos, f.start);
    pos = f.end;
    if (out.endsWith("\n\n") && text[pos] === "\n") pos++;
  }
  return out + text.slice(pos);
}

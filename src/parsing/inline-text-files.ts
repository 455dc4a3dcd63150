/**
 * Text parts sent as named files: "Content-Type: text/plain; Content-Disposition: inline; filename=log.txt".
 * mailparser reads every inline text part as body text and keeps no attachment, so the file a customer attached
 * (a log, a CSV some clients send inline) vanished into the body. Pure.
 */

/** Cheap test before the walk: most mail has no inline disposition with a name at all. */
const MAYBE = /content-disposition:[ \t]*inline[^\n]*(?:\n[ \t][^\n]*)*filename/i;

/**
 * The raw message with the disposition of every named inline text part changed to "attachment", or null when
 * there is none. Works on header blocks only (the top block and each block after a boundary line), unfolded per
 * field, so body text is never touched; byte positions stay the same apart from the rewritten word.
 */
export function namedInlineTextAsAttachment(raw: Buffer): Buffer | null {
  const text = raw.toString("latin1");
  if (!MAYBE.test(text)) return null;
  const lines = text.split("\n");
  let changed = false;
  let blockStart: number | null = 0;
  for (let i = 0; i <= lines.length; i++) {
    const line = i < lines.length ? lines[i]!.replace(/\r$/, "") : "";
    if (blockStart === null) {
      if (/^--\S/.test(line)) blockStart = i + 1; // a boundary line: a part's header block follows
      continue;
    }
    if (line !== "") continue;
    // lines[blockStart, i) is one header block
    const block = lines.slice(blockStart, i).join("\n").replace(/\r?\n[ \t]+/g, " ");
    const type = /^content-type:[ \t]*([^;\s]+)/im.exec(block)?.[1]?.toLowerCase() ?? "text/plain";
    const disposition = /^content-disposition:[ \t]*inline\b(.*)$/im.exec(block);
    if (type.startsWith("text/") && disposition && /\bfilename\*?\s*=/i.test(disposition[1]!)) {
      for (let j = blockStart; j < i; j++) {
        const rewritten = lines[j]!.replace(/^(content-disposition:[ \t]*)inline\b/i, "$1attachment");
        if (rewritten !== lines[j]) {
          lines[j] = rewritten;
          changed = true;
        }
      }
    }
    blockStart = null;
  }
  return changed ? Buffer.from(lines.join("\n"), "latin1") : null;
}

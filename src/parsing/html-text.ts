/** A linear HTML-to-text fallback for HTML that html-to-text refuses or would be slow on. Pure. */

/** Names of U+00A0–U+00FF in order: the HTML 4 Latin-1 entities, the ones old mail editors write for accents. */
const LATIN1_ENTITY_NAMES =
  "nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para " +
  "middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute " +
  "Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute " +
  "THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde " +
  "ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml";

/**
 * Named entities the fallback decodes: Latin-1, Central European letters, common punctuation. Anything else stays
 * as written: the fallback is best effort, and the full HTML5 table (2,000+ names) is html-to-text's job.
 */
const NAMED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ...LATIN1_ENTITY_NAMES.split(" ").map((name, i) => [name, String.fromCharCode(0xa0 + i)] as const),
  ...Object.entries({
    amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", euro: "€", trade: "™", hellip: "…", mdash: "—", ndash: "–",
    lsquo: "‘", rsquo: "’", sbquo: "‚", ldquo: "“", rdquo: "”", bdquo: "„", bull: "•", OElig: "Œ", oelig: "œ",
    Ccaron: "Č", ccaron: "č", Dcaron: "Ď", dcaron: "ď", Ecaron: "Ě", ecaron: "ě", Ncaron: "Ň", ncaron: "ň",
    Rcaron: "Ř", rcaron: "ř", Scaron: "Š", scaron: "š", Tcaron: "Ť", tcaron: "ť", Zcaron: "Ž", zcaron: "ž",
    Uring: "Ů", uring: "ů", Aogon: "Ą", aogon: "ą", Eogon: "Ę", eogon: "ę", Lstrok: "Ł", lstrok: "ł",
    Cacute: "Ć", cacute: "ć", Nacute: "Ń", nacute: "ń", Sacute: "Ś", sacute: "ś", Zacute: "Ź", zacute: "ź",
    Zdot: "Ż", zdot: "ż",
  }),
]);

function decodeEntities(text: string): string {
  return text.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z][a-zA-Z0-9]{1,7});/g, (entity: string, body: string) => {
    if (body.startsWith("#")) {
      const code = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : "\uFFFD";
    }
    // Entity names are case-sensitive (&Aacute; is not &aacute;); the lower-case retry serves &AMP; and friends.
    return NAMED_ENTITIES.get(body) ?? NAMED_ENTITIES.get(body.toLowerCase()) ?? entity;
  });
}

/** What the fallback does at an element: skip its content (raw-text elements, templates), break the line, or space. */
const ELEMENT_ACTIONS: ReadonlyMap<string, "skip" | "line" | "space"> = new Map([
  ...["script", "style", "template", "title"].map((name) => [name, "skip"] as const),
  ...["br", "p", "div", "tr", "li", "ul", "ol", "dl", "dt", "dd", "table", "blockquote", "pre", "hr", "h1", "h2", "h3", "h4",
    "h5", "h6", "section", "article", "header", "footer", "address", "center", "form", "fieldset"].map((name) => [name, "line"] as const),
  ...["td", "th"].map((name) => [name, "space"] as const),
]);

/** A run of text between tags: source whitespace collapses to one space (only elements break lines), entities decoded. */
function textRun(run: string): string {
  const collapsed = run.replace(/[ \t\r\n\f\v]+/g, " ");
  return collapsed.includes("&") ? decodeEntities(collapsed) : collapsed;
}

/** Index of the `</name` that closes a raw-text element, matched case-insensitively without lower-casing the input. */
function indexOfClosingTag(html: string, name: string, from: number): number {
  for (let i = html.indexOf("</", from); i >= 0; i = html.indexOf("</", i + 2)) {
    if (html.slice(i + 2, i + 2 + name.length).toLowerCase() === name) return i;
  }
  return -1;
}

/**
 * Plain text from HTML in one linear pass, for HTML too large for html-to-text (see MAX_HTML_TO_TEXT_CHARS) or
 * nested deeper than it accepts. Tags are dropped, script/style content skipped, block elements become line
 * breaks, common entities decoded. Cruder than html-to-text (no link targets, no tables, no lists) but it can
 * not be made slow: every search moves forward, and a search that finds nothing ends the scan.
 */
export function htmlToTextFallback(html: string): string {
  const out: string[] = [];
  // Breaks between elements are held back until text follows, so runs of empty cells and rows (the bulk of a
  // big table) cost no output at all: only "space" or "line" is remembered, the stronger one winning.
  let pending: "" | " " | "\n" = "";
  const emit = (run: string): void => {
    const text = textRun(run);
    if (text.trim() === "") {
      if (text !== "" && pending === "") pending = " ";
      return;
    }
    if (pending !== "") out.push(pending);
    out.push(text);
    pending = "";
  };
  let pos = 0;
  while (pos < html.length) {
    const lt = html.indexOf("<", pos);
    if (lt !== pos) emit(html.slice(pos, lt < 0 ? html.length : lt));
    if (lt < 0) break;
    if (html.startsWith("<!--", lt)) {
      const end = html.indexOf("-->", lt + 4);
      pos = end < 0 ? html.length : end + 3;
      continue;
    }
    const closing = html.charCodeAt(lt + 1) === 0x2f; // "/"
    const nameStart = closing ? lt + 2 : lt + 1;
    let nameEnd = nameStart;
    while (nameEnd < html.length && nameEnd - nameStart < 16 && isTagNameChar(html.charCodeAt(nameEnd), nameEnd === nameStart)) nameEnd++;
    const markup = html[lt + 1] === "!" || html[lt + 1] === "?"; // <!doctype …>, <?xml …?>
    if (nameEnd === nameStart && !markup) {
      emit("<"); // not a tag: a literal "<" in text
      pos = lt + 1;
      continue;
    }
    const gt = html.indexOf(">", nameEnd);
    if (gt < 0) break; // an unterminated tag runs to the end, as in a browser
    pos = gt + 1;
    if (markup) continue;
    const name = html.slice(nameStart, nameEnd);
    const action = ELEMENT_ACTIONS.get(name) ?? ELEMENT_ACTIONS.get(name.toLowerCase());
    if (action === "skip" && !closing) {
      const end = indexOfClosingTag(html, name.toLowerCase(), pos);
      const endGt = end < 0 ? -1 : html.indexOf(">", end);
      pos = endGt < 0 ? html.length : endGt + 1;
    } else if (action === "line") {
      pending = "\n";
    } else if (action === "space" && pending === "") {
      pending = " ";
    }
  }
  return out.join("").replace(/ *\n */g, "\n").trim();
}

/** ASCII letters, and digits after the first character: what an HTML tag name is made of. */
function isTagNameChar(code: number, first: boolean): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (!first && code >= 0x30 && code <= 0x39);
}

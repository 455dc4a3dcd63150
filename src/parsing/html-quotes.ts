/**
 * Quoted history and signatures removed from an HTML reply by its structure, before it becomes text. Pure.
 *
 * Mail clients mark what they add: Gmail's `gmail_quote`/`gmail_attr`/`gmail_signature`, Outlook's
 * `divRplyFwdMsg` (and the bordered header block of Outlook desktop), Apple's and Thunderbird's
 * `<blockquote type="cite">` with `moz-cite-prefix`/`moz-signature`, Yahoo's `yahoo_quoted`. Those marks are
 * exact where the text version of the same mail only has "On … wrote:" lines to guess from. The same rules
 * as the text trimmer protect the sender's words:
 *  - a quote followed by the sender's own text is an inline answer and stays (only trailing quotes go);
 *  - a quote that holds a forwarded mail stays;
 *  - a reply that would be left with no text is returned unchanged (null), so a mail that is only a quote
 *    keeps its quote.
 */
import { render } from "dom-serializer";
import { isTag, isText, type AnyNode, type Element } from "domhandler";
import { parseDocument } from "htmlparser2";
import { textContent } from "domutils";
import { FORWARD } from "./reply-lines.ts";

type Mark = "quote" | "container" | "signature" | "history";

/** More client marks than any real reply carries (a long Gmail thread nests a few dozen). */
const MAX_MARKS = 200;

/** Cheap test before parsing: HTML without any client mark is left to the text trimmer. */
const ANY_MARK = /gmail_quote|gmail_signature|gmail_attr|divRplyFwdMsg|type=["']?cite|yahoo_quoted|moz-cite-prefix|moz-signature|OLK_SRC_BODY_SECTION|border-top:\s*solid\s+#(?:e1e1e1|b5c4df)/i;

function markOf(el: Element): Mark | null {
  const cls = ` ${(el.attribs["class"] ?? "").toLowerCase()} `;
  const id = (el.attribs["id"] ?? "").toLowerCase();
  if (cls.includes(" gmail_signature ") || el.attribs["data-smartmail"] === "gmail_signature" || cls.includes(" moz-signature ")) return "signature";
  if (id === "divrplyfwdmsg" || id === "olk_src_body_section") return "history";
  // Outlook desktop: the reply header sits in a div with a thin top border, and history follows it.
  if (el.name === "div" && /border-top:\s*solid\s+#(?:e1e1e1|b5c4df)/i.test(el.attribs["style"] ?? "")) return "history";
  if (el.name === "blockquote" && (cls.includes(" gmail_quote ") || (el.attribs["type"] ?? "").toLowerCase() === "cite")) return "quote";
  if (cls.includes(" gmail_attr ") || cls.includes(" moz-cite-prefix ")) return "quote";
  if (cls.includes(" gmail_quote ") || cls.includes(" yahoo_quoted ") || id.startsWith("yahoo_quoted")) return "container";
  return null;
}

/** Elements in document order (iterative: real mail nests deeper than a recursive walk can go). */
function elements(roots: AnyNode[]): Element[] {
  const out: Element[] = [];
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (!isTag(node)) continue;
    out.push(node);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return out;
}

/** Nodes after `node` in document order: its following siblings, then those of each ancestor. */
function following(node: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  for (let n: AnyNode | null = node; n; n = n.parent as AnyNode | null) {
    for (let s = n.next; s; s = s.next) out.push(s);
  }
  return out;
}

const visible = (nodes: AnyNode[]): string => nodes.map((n) => textContent(n)).join("").replace(/[\s\u00a0\u200b]+/g, "");
const INVISIBLE = /^[\s\u00a0\u200b]*$/;

/** Nodes in document order (iterative), so "is there text after this mark" is an index comparison. */
function inOrder(roots: AnyNode[]): AnyNode[] {
  const out: AnyNode[] = [];
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    out.push(node);
    if (isTag(node)) for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return out;
}

/** The first `max` characters of an element's text, without building the whole text of a big subtree. */
function leadingText(el: Element, max: number): string {
  let out = "";
  for (const n of inOrder([el])) {
    if (isText(n)) out += n.data;
    if (out.length >= max) break;
  }
  return out.slice(0, max);
}

/** Text directly in a quote container that is not inside a quote of its own: answers written between quotes. */
function ownTextInside(container: Element): boolean {
  const stack: AnyNode[] = [...container.children];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (isText(n) && n.data.replace(/[\s\u00a0\u200b]+/g, "") !== "") return true;
    if (isTag(n) && markOf(n) === null) stack.push(...n.children);
  }
  return false;
}

function detach(node: AnyNode): void {
  const parent = node.parent;
  if (!parent) return;
  const i = parent.children.indexOf(node as never);
  if (i >= 0) parent.children.splice(i, 1);
  if (node.prev) node.prev.next = node.next;
  if (node.next) node.next.prev = node.prev;
  node.parent = node.prev = node.next = null;
}

/**
 * The HTML without trailing quotes, quoted history and signatures, or null when nothing was removed or
 * nothing would be left.
 */
export function stripHtmlQuotes(html: string): string | null {
  if (!ANY_MARK.test(html)) return null;
  const doc = parseDocument(html);
  const before = visible([doc]);
  if (before === "") return null;
  let removed = false;
  const marked = elements(doc.children)
    .map((el) => ({ el, mark: markOf(el) }))
    .filter((m): m is { el: Element; mark: Mark } => m.mark !== null);
  // Each mark looks at the text after it: linear per mark, so a pathological thread with thousands of quotes
  // is left to the (linear) text trimmer rather than made quadratic here.
  if (marked.length > MAX_MARKS) return null;
  // A forwarded mail inside a quote container is content: nothing from there on is cut.
  const forwardAt = marked.findIndex((m) => (m.mark === "container" || m.mark === "quote") && FORWARD.test(leadingText(m.el, 300).trim().split("\n")[0] ?? ""));
  const cuttable = forwardAt >= 0 ? marked.slice(0, forwardAt) : marked;
  for (const { el, mark } of cuttable) {
    if (mark === "signature" && el.parent) {
      detach(el);
      removed = true;
    }
  }
  // Outlook history: the header block and everything after it.
  const history = cuttable.find((m) => m.mark === "history" && m.el.parent);
  if (history) {
    for (const n of following(history.el)) detach(n);
    const prev = history.el.prev;
    detach(history.el);
    if (prev && isTag(prev) && prev.name === "hr") detach(prev);
    removed = true;
  }
  // Quotes from the last one back: each goes when no text of the sender follows it. Positions are taken once
  // (document order); removed quotes are skipped as ranges, so this stays linear in the size of the HTML.
  const order = inOrder(doc.children);
  const position = new Map<AnyNode, number>(order.map((n, i) => [n, i]));
  const textAt = order.flatMap((n, i) => (isText(n) && n.parent !== null && !INVISIBLE.test(n.data) ? [i] : []));
  const removedRanges: Array<[number, number]> = [];
  const subtreeEnd = (el: Element): number => {
    let last: AnyNode = el;
    while (isTag(last) && last.children.length > 0) last = last.children[last.children.length - 1]!;
    return position.get(last) ?? position.get(el)!;
  };
  const textAfter = (end: number): boolean => {
    let lo = 0;
    let hi = textAt.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (textAt[mid]! > end) hi = mid;
      else lo = mid + 1;
    }
    for (let k = lo; k < textAt.length; k++) {
      const range = removedRanges.find(([a, b]) => textAt[k]! >= a && textAt[k]! <= b);
      if (!range) return true;
      while (k + 1 < textAt.length && textAt[k + 1]! <= range[1]) k++;
    }
    return false;
  };
  for (const { el, mark } of [...cuttable].reverse()) {
    if (!el.parent || !position.has(el) || (mark !== "quote" && mark !== "container")) continue;
    if (mark === "container" && ownTextInside(el)) continue;
    const end = subtreeEnd(el);
    if (textAfter(end)) continue;
    removedRanges.push([position.get(el)!, end]);
    detach(el);
    removed = true;
  }
  if (!removed || visible([doc]) === "") return null;
  return render(doc, { decodeEntities: false });
}

/**
 * Measures reply trimming against the expectations of the reply-parser projects in the corpus, plus our own
 * multilingual set (test/unit/fixtures/replies.ts). One implementation, imported by
 * test/corpus/trim-corpus.test.ts (which asserts the targets) and tools/corpus-report.ts (which prints the
 * figures and every miss).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseMessage } from "../../src/parsing/parse-message.ts";
import { trimMessage } from "../../src/parsing/trim-message.ts";
import { trimReply } from "../../src/parsing/trim-reply.ts";
import { OWN_REPLIES } from "../unit/fixtures/replies.ts";
import { pct, rel, walk } from "./corpus-measure.ts";
import { CORPUS_DIR } from "./corpus.ts";

// =========================================================================================================
// Trimming

/**
 * Comparison rule for trimmed text, documented once and used everywhere: line endings normalised to \n,
 * trailing whitespace stripped from every line, runs of blank lines collapsed to one, and leading/trailing
 * blank lines dropped. Anything else (wording, quoting, inner spacing) must match exactly.
 */
export function normaliseForComparison(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((l) => l.replace(/[ \t\u00a0]+$/, ""))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

export interface TrimCase {
  set: string;
  name: string;
  expected: string;
  actual: string;
  match: boolean;
  crash: string | null;
}

function trimCase(set: string, name: string, input: string, expected: string, equal?: (a: string, b: string) => boolean, trim: (input: string) => string = (t) => trimReply(t).body): TrimCase {
  try {
    const actual = trim(input);
    const match = equal ? equal(actual, expected) : normaliseForComparison(actual) === normaliseForComparison(expected);
    return { set, name, expected, actual, match, crash: null };
  } catch (err) {
    return { set, name, expected, actual: "", match: false, crash: err instanceof Error ? err.message : String(err) };
  }
}

/** discourse/email_reply_trimmer: test/emails/X.txt → test/trimmed/X.txt (its own oracle, exact after normalising). */
function discourseCases(): TrimCase[] {
  const dir = path.join(CORPUS_DIR, "discourse-email_reply_trimmer", "test");
  if (!existsSync(path.join(dir, "emails"))) return [];
  return readdirSync(path.join(dir, "emails"))
    .filter((n) => n.endsWith(".txt"))
    .sort()
    .map((n) => trimCase("discourse-email_reply_trimmer", n, readFileSync(path.join(dir, "emails", n), "utf8"), readFileSync(path.join(dir, "trimmed", n), "utf8")));
}

/**
 * mailgun/talon test_standard_replies: the text/plain reply of each .eml reduces to "Hello" or to
 * <name>_reply_text. talon strips quotations only and leaves signatures ("Sent from my iPhone", "-- xxx")
 * in its expectation, while trimReply also drops signatures by design; so a talon case matches when our
 * body equals the expectation with its signature dropped by the same rules (trimReply(expected)).
 */
async function talonCases(): Promise<TrimCase[]> {
  const dir = path.join(CORPUS_DIR, "mailgun-talon", "tests", "fixtures", "standard_replies");
  if (!existsSync(dir)) return [];
  const out: TrimCase[] = [];
  const same = (a: string, b: string): boolean => normaliseForComparison(a) === normaliseForComparison(b);
  for (const n of readdirSync(dir).filter((x) => x.endsWith(".eml")).sort()) {
    const base = n.replace(/\.eml$/, "");
    const replyFile = path.join(dir, `${base}_reply_text`);
    const expected = existsSync(replyFile) ? readFileSync(replyFile, "utf8") : "Hello";
    const msg = await parseMessage(readFileSync(path.join(dir, n)));
    out.push(trimCase("mailgun-talon", n, msg.text, expected, (actual, exp) => same(actual, exp) || same(actual, trimReply(exp).body)));
  }
  return out;
}

/** Reads one Python string literal (with implicit concatenation of adjacent literals) at `at`; null if there is none. */
function pythonString(src: string, at: number): { value: string; end: number } | null {
  let i = at;
  let value = "";
  let found = false;
  for (;;) {
    const m = /^\s*([uUrRbB]{0,2})("""|'''|"|')/.exec(src.slice(i));
    if (!m) break;
    const raw = /r/i.test(m[1]!);
    const quote = m[2]!;
    i += m[0].length;
    for (;;) {
      if (i >= src.length) return null;
      if (src.startsWith(quote, i)) {
        i += quote.length;
        break;
      }
      const ch = src[i]!;
      if (quote.length === 1 && ch === "\n") return null;
      if (ch === "\\" && !raw) {
        const next = src[i + 1] ?? "";
        const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"', "\n": "" };
        if (next in simple) {
          value += simple[next];
          i += 2;
          continue;
        }
        const hex = /^x([0-9a-fA-F]{2})|^u([0-9a-fA-F]{4})/.exec(src.slice(i + 1));
        if (hex) {
          value += String.fromCharCode(parseInt(hex[1] ?? hex[2]!, 16));
          i += 1 + hex[0].length;
          continue;
        }
      }
      value += ch;
      i++;
    }
    found = true;
  }
  return found ? { value, end: i } : null;
}

/**
 * talon's text_quotations_test.py: the undecorated tests of the form `eq_(EXPECTED, quotations.extract_from_plain(BODY))`
 * where both are string literals or names assigned a literal in the same test. (Decorated tests change talon's
 * limits and are skipped.) Same signature allowance as the standard replies.
 */
function talonInlineCases(): TrimCase[] {
  const file = path.join(CORPUS_DIR, "mailgun-talon", "expectations", "text_quotations_test.py");
  if (!existsSync(file)) return [];
  const src = readFileSync(file, "utf8");
  const out: TrimCase[] = [];
  const same = (a: string, b: string): boolean => normaliseForComparison(a) === normaliseForComparison(b);
  const defs = [...src.matchAll(/^def (\w+)\(\):?.*\n/gm)];
  defs.forEach((d, n) => {
    if (!d[1]!.startsWith("test_")) return;
    if (/^@/m.test(src.slice(Math.max(0, d.index - 200), d.index).split("\n").slice(-2).join("\n"))) return;
    const bodyEnd = defs[n + 1]?.index ?? src.length;
    const fn = src.slice(d.index, bodyEnd);
    // Assignments in order: a name means its last literal value before the call (tests reassign msg_body).
    const assignments: Array<{ name: string; at: number; value: string | null }> = [];
    for (const a of fn.matchAll(/^[ \t]+(\w+) = /gm)) {
      const lit = pythonString(fn, a.index + a[0].length);
      assignments.push({ name: a[1]!, at: a.index, value: lit && /^[ \t]*(\n|$)/.test(fn.slice(lit.end)) ? lit.value : null });
    }
    const arg = (at: number): { value: string; end: number } | null => {
      const lit = pythonString(fn, at);
      if (lit) return lit;
      const name = /^\s*(\w+)/.exec(fn.slice(at));
      const value = name ? assignments.filter((x) => x.name === name[1] && x.at < at).at(-1)?.value : null;
      return name && value != null ? { value, end: at + name[0].length } : null;
    };
    let k = 0;
    for (const call of fn.matchAll(/eq_\(/g)) {
      const expected = arg(call.index + 4);
      if (!expected) continue;
      const rest = /^\s*,\s*quotations\.extract_from_plain\(/.exec(fn.slice(expected.end));
      if (!rest) continue;
      const body = arg(expected.end + rest[0].length);
      if (!body || !/^\s*\)\s*\)/.test(fn.slice(body.end))) continue;
      out.push(trimCase("mailgun-talon (inline tests)", `${d[1]}${k++ ? `#${k}` : ""}`, body.value, expected.value, (x, e) => same(x, e) || same(x, trimReply(e).body)));
    }
  });
  return out;
}

/**
 * talon's HTML replies, through our own pipeline: each HTML body is wrapped as a text/html message, parsed by
 * parseMessage and trimmed by trimMessage (by the HTML's quote marks where it has them, as ingest does). Expected texts come from html_quotations_test.py and
 * are compared ignoring all whitespace, as talon does; reply-quotations-share-block.eml must keep a non-empty
 * reply without the quoted "From".
 */
async function talonHtmlCases(): Promise<TrimCase[]> {
  const dir = path.join(CORPUS_DIR, "mailgun-talon", "tests", "fixtures");
  if (!existsSync(dir)) return [];
  const squash = (t: string): string => t.replace(/\s/g, "");
  const wrap = (html: Buffer): Buffer =>
    Buffer.concat([Buffer.from("From: a@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"), html]);
  const files: Array<[string, string]> = [
    ...readdirSync(path.join(dir, "html_replies")).filter((n) => n.endsWith(".html")).sort().map((n): [string, string] => [`html_replies/${n}`, "Hi. I am fine.\n\nThanks,\nAlex"]),
    ["OLK_SRC_BODY_SECTION.html", "Reply"],
    ["reply-separated-by-hr.html", "Hi\nthere"],
  ];
  const out: TrimCase[] = [];
  for (const [name, expected] of files) {
    const msg = await parseMessage(wrap(readFileSync(path.join(dir, name))));
    out.push(trimCase("mailgun-talon (html, via parseMessage)", name, msg.text, expected, (x, e) => squash(x) === squash(e), () => trimMessage(msg).body));
  }
  const share = await parseMessage(readFileSync(path.join(dir, "reply-quotations-share-block.eml")));
  out.push(trimCase("mailgun-talon (html, via parseMessage)", "reply-quotations-share-block.eml", share.text, "(non-empty, without \"From\")", (x) => x.trim() !== "" && !x.includes("From"), () => trimMessage(share).body));
  return out;
}

/**
 * github/email_reply_parser: only fixtures whose visible text its test pins exactly (`assert_equal … parse_reply`,
 * or fragments[0] when every later fragment is hidden). Its other assertions are about its fragment
 * structure and do not fix an output.
 */
const GITHUB_VISIBLE: Record<string, string> = {
  "email_1_1.txt": "Hi folks\n\nWhat is the best way to clear a Riak bucket of all key, values after\nrunning a test?\nI am currently using the Java HTTP API.",
  "email_2_1.txt": "Outlook with a reply",
  "email_2_2.txt": "Outlook with a reply directly above line",
  "email_2_3.txt": "Outlook with a reply directly above line",
  "email_iPhone.txt": "Here is another email",
  "email_BlackBerry.txt": "Here is another email",
  "email_multi_word_sent_from_my_mobile_device.txt": "Here is another email",
  "email_sent_from_my_not_signature.txt": "Here is another email\n\nSent from my desk, is much easier then my mobile phone.",
  "email_bullets.txt": "test 2 this should list second\n\nand have spaces\n\nand retain this formatting\n\n\n   - how about bullets\n   - and another",
};

function githubCases(): TrimCase[] {
  const dir = path.join(CORPUS_DIR, "github-email_reply_parser", "test", "emails");
  if (!existsSync(dir)) return [];
  return Object.entries(GITHUB_VISIBLE)
    .filter(([n]) => existsSync(path.join(dir, n)))
    .map(([n, expected]) => trimCase("github-email_reply_parser", n, readFileSync(path.join(dir, n), "utf8"), expected));
}

/** Every reply body without an exact oracle (crisp has none in the corpus, github's other fixtures): must not crash or come back empty. */
export function trimRobustness(): { total: number; crashes: string[]; emptied: string[]; slowestMs: number } {
  const dirs = [path.join(CORPUS_DIR, "crisp-email-reply-parser", "test", "fixtures"), path.join(CORPUS_DIR, "github-email_reply_parser", "test", "emails"), path.join(CORPUS_DIR, "discourse-email_reply_trimmer", "test", "emails")];
  const out = { total: 0, crashes: [] as string[], emptied: [] as string[], slowestMs: 0 };
  for (const dir of dirs.filter((d) => existsSync(d))) {
    for (const f of walk(dir)) {
      const input = readFileSync(f, "utf8");
      out.total++;
      const t0 = performance.now();
      try {
        const { body } = trimReply(input);
        if (input.trim() !== "" && body.trim() === "") out.emptied.push(rel(f));
      } catch (err) {
        out.crashes.push(`${rel(f)}: ${err instanceof Error ? err.message : String(err)}`);
      }
      out.slowestMs = Math.max(out.slowestMs, performance.now() - t0);
    }
  }
  return out;
}

export async function runTrimming(): Promise<TrimCase[]> {
  return [...discourseCases(), ...(await talonCases()), ...talonInlineCases(), ...(await talonHtmlCases()), ...githubCases()];
}

const SET_OWN = "own multilingual set (test/unit/fixtures/replies.ts)";

/** Wraps an HTML body as a one-part text/html message, the shape of an HTML-only reply. */
export const htmlMessage = (html: string | Buffer): Buffer =>
  Buffer.concat([Buffer.from("From: a@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"), Buffer.from(html)]);

/**
 * Our own multilingual set: text entries through trimReply (exact after normalising), HTML entries through
 * parseMessage and trimMessage (compared without whitespace and quote marks, which html-to-text lays out).
 */
export async function runOwnReplies(): Promise<TrimCase[]> {
  const squash = (t: string): string => t.replace(/[\s>]/g, "");
  const out: TrimCase[] = [];
  for (const r of OWN_REPLIES) {
    const name = `${r.lang}: ${r.name}`;
    if (r.html !== undefined) {
      const msg = await parseMessage(htmlMessage(r.html));
      out.push(trimCase(SET_OWN, name, r.html, r.expected, (a, b) => squash(a) === squash(b), () => trimMessage(msg).body));
    } else out.push(trimCase(SET_OWN, name, r.text ?? "", r.expected));
  }
  return out;
}

export interface TrimSummary {
  set: string;
  total: number;
  matched: number;
  crashes: number;
}

export function summariseTrimming(cases: TrimCase[]): TrimSummary[] {
  return [...new Set(cases.map((c) => c.set))].map((set) => {
    const cs = cases.filter((c) => c.set === set);
    return { set, total: cs.length, matched: cs.filter((c) => c.match).length, crashes: cs.filter((c) => c.crash).length };
  });
}

export const formatTrimSummary = (s: TrimSummary): string => `${s.set}: ${s.matched}/${s.total} trimmed as expected (${pct(s.matched, s.total)}), crashes ${s.crashes}`;

export function trimmingMisses(cases: TrimCase[]): string[] {
  const show = (t: string): string => JSON.stringify(normaliseForComparison(t).slice(0, 300));
  return cases.filter((c) => !c.match).map((c) => `${c.set}/${c.name}: ${c.crash ? `CRASH ${c.crash}` : `\n    expected ${show(c.expected)}\n    actual   ${show(c.actual)}`}`);
}


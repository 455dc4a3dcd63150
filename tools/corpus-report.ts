/**
 * Measures the automatic-mail classifier and the reply trimmer against the shared corpus of real
 * third-party mail (../shared/corpus, or MAILCASE_CORPUS) and lists every miss for a human to inspect.
 *
 *   npx tsx tools/corpus-report.ts            # figures per folder + misses
 *   npx tsx tools/corpus-report.ts --quiet    # figures only
 *
 * The test/corpus tests import the same measuring functions, so the report and the asserted rates can
 * never drift apart. The corpus is never copied into the repository (licences vary).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { classifyMessage, type AutomaticKind, type Classification } from "../src/parsing/automatic/classify.ts";
import { parseMessage } from "../src/parsing/parse-message.ts";
import { trimReply } from "../src/parsing/trim-reply.ts";

const repoRoot = path.resolve(import.meta.dirname, "..");
export const CORPUS_DIR = process.env.MAILCASE_CORPUS ?? path.resolve(repoRoot, "..", "shared", "corpus");
export const corpusPresent = existsSync(CORPUS_DIR);

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? walk(full) : [full];
    });
}
const rel = (file: string): string => path.relative(CORPUS_DIR, file).split(path.sep).join("/");
const pct = (n: number, d: number): string => (d === 0 ? "n/a" : `${((100 * n) / d).toFixed(1)}%`);

// =========================================================================================================
// Classification

/** Expected result for one raw message. `recipients`/`statuses` only where an oracle states them. */
interface Expected {
  kind: AutomaticKind;
  /** Number of failed recipients the oracle extracts (sisimai), or null when unknown. */
  recipientCount: number | null;
  /** Exact recipient addresses, where a test of the source project names them. */
  addresses?: string[];
  /** RFC 3463 codes the oracle states (sisimai pseudo codes x.0.9xx excluded: they are not in the mail). */
  statuses: string[];
  originalMessageId?: string;
  why: string;
}

export interface ClassifyCase {
  set: string;
  file: string;
  expected: Expected;
  actual: Classification | null;
  /** From of the message itself (the daemon): never a failed recipient. (To may be: people bounce mail to themselves.) */
  fromAddress: string | null;
  crash: string | null;
}

const SisimaiBounce = z.object({ deliveryStatus: z.string(), reason: z.string(), feedbackType: z.string().nullable().optional() });
const SisimaiExpectations = z.record(z.string(), z.object({ engine: z.string(), bounces: z.array(SisimaiBounce) }));

function sisimaiExpected(file: string, table: z.infer<typeof SisimaiExpectations>): Expected {
  const name = path.basename(file);
  const folder = path.basename(path.dirname(file));
  if (folder === "not") {
    // rb-issue-368-bug.eml sits in sisimai's "not a bounce" folder because sisimai failed to parse it (a
    // bug report), but it is an automatic "email bounce notification" (Auto-Submitted, Return-Path <>,
    // "reject reason: Mailbox full"). For a helpdesk it must not be a customer message.
    if (name === "rb-issue-368-bug.eml")
      return { kind: "bounce", recipientCount: 1, addresses: ["xxxx@yyyyyy.net"], statuses: [], why: "postmaster notice: mailbox full (manifest lists it under not/)" };
    return { kind: "human", recipientCount: null, statuses: [], why: "sisimai negative sample" };
  }
  // dos/ and mac/ hold CRLF and CR-only copies of the bsd/ *-01 files: same expectations.
  const entry = table[`maildir/bsd/${name}`];
  const byName: AutomaticKind = name.startsWith("arf-") ? "feedback-report" : name.startsWith("rfc3834-") ? "auto-reply" : "bounce";
  if (!entry) return { kind: byName, recipientCount: null, statuses: [], why: "no sisimai expectation: kind from file name" };
  const reasons = entry.bounces.map((b) => b.reason);
  const kind: AutomaticKind = reasons.includes("feedback") ? "feedback-report" : reasons.includes("vacation") ? "auto-reply" : "bounce";
  return {
    kind,
    recipientCount: kind === "bounce" ? entry.bounces.length : null,
    statuses: entry.bounces.map((b) => b.deliveryStatus).filter((s) => /^[245]\.\d+\.\d+$/.test(s) && !/^\d\.0\.9\d\d$/.test(s)),
    why: `sisimai ${entry.engine}: ${[...new Set(reasons)].join(",")}`,
  };
}

/**
 * Ground truth for the sets that are not bounce collections, from their own tests (cited per entry).
 * Every message not listed here is a person's mail and must classify as human.
 */
const KNOWN_AUTOMATIC: Record<string, Omit<Expected, "statuses"> & { statuses?: string[] }> = {
  "request-tracker/t/data/emails/multipart-report": {
    kind: "bounce", recipientCount: 1, addresses: ["jesmund@mailbox.other.example.com"], statuses: ["5.1.1"],
    originalMessageId: "200308221615.h7MGFGac020135@mx12.other.example.com", why: "t/mail/sendmail.t: \"It's the bounce\"",
  },
  "request-tracker/t/data/emails/8859-15-message-series/dir": {
    kind: "bulk", recipientCount: null, why: "rt-users mailing-list post: Precedence: bulk + List-Id (RT's CheckForAutoGenerated: bulk is auto-generated)",
  },
  "nodemailer-mailparser/test/fixtures/delivery-status.eml": { kind: "bounce", recipientCount: 1, statuses: ["5.1.1"], why: "delivery-status-test.js: DSN" },
  "nodemailer-mailparser/test/fixtures/large_text.eml": { kind: "bulk", recipientCount: null, why: "Launchpad bug notification: Precedence: bulk" },
  "postal-mime/test/fixtures/arf.eml": { kind: "feedback-report", recipientCount: null, why: "postal-mime-test.js: ARF" },
  "postal-mime/test/fixtures/bounce.eml": { kind: "bounce", recipientCount: 1, why: "postal-mime-test.js: DSN with Auto-Submitted" },
  "zammad-sample/test/data/mail/mail033-undelivered-mail-returned-to-sender-notification.box": {
    kind: "bounce", recipientCount: 1, addresses: ["not_existing@znuny.com"], statuses: ["5.1.1"], why: "Zammad: Postfix DSN of a ticket notification",
  },
  "zammad-sample/test/data/mail/mail055.box": { kind: "bounce", recipientCount: 1, why: "Zammad: Postfix DSN of an auto-reply (mail loop)" },
  "espocrm/tests/unit/testData/Core/Mail/bounced_1.eml": { kind: "bounce", recipientCount: 1, why: "expected.json: hard bounce" },
  "espocrm/tests/unit/testData/Core/Mail/bounced_2.eml": { kind: "bounce", recipientCount: 1, why: "expected.json: soft bounce" },
  "espocrm/tests/unit/testData/Core/Mail/bounced_3.eml": { kind: "bounce", recipientCount: 1, statuses: ["5.4.1"], why: "expected.json: status 5.4.1" },
};

/** Raw messages of a non-bounce set (the reply-parser sets hold bare bodies, which feed the trimming report). */
function messageFiles(set: string): string[] {
  const dir = path.join(CORPUS_DIR, set);
  if (!existsSync(dir)) return [];
  return walk(dir).filter((f) => {
    const r = rel(f);
    if (/\/expectations\/|MANIFEST\.md$|LICENSE|COPYING|README$/.test(r)) return false;
    if (/\.(eml|box)$/i.test(r)) return true;
    // RT keeps its fixtures without extension (and the gnupg ones as .txt); the 8859-15 "dir" is a message too.
    return set === "request-tracker" && /\/t\/data\//.test(r);
  });
}

export const NON_BOUNCE_SETS = ["request-tracker", "nodemailer-mailparser", "postal-mime", "zammad-sample", "espocrm", "mailgun-talon"] as const;

export async function runClassification(): Promise<ClassifyCase[]> {
  const cases: Array<{ set: string; file: string; expected: Expected }> = [];
  const sisimaiDir = path.join(CORPUS_DIR, "sisimai-bounces");
  const table = SisimaiExpectations.parse(JSON.parse(readFileSync(path.join(sisimaiDir, "expectations", "sisimai-expected.public.json"), "utf8")));
  for (const f of walk(path.join(sisimaiDir, "maildir")).filter((x) => x.endsWith(".eml"))) cases.push({ set: "sisimai-bounces", file: f, expected: sisimaiExpected(f, table) });

  const zammadOoo = z.record(z.string(), z.object({ "x-zammad-out-of-office": z.boolean() }))
    .parse(JSON.parse(readFileSync(path.join(CORPUS_DIR, "zammad-sample", "derived", "out_of_office_check", "expected.json"), "utf8")));
  for (const set of NON_BOUNCE_SETS) {
    for (const f of messageFiles(set)) {
      const r = rel(f);
      const known = KNOWN_AUTOMATIC[r];
      const ooo = r.includes("out_of_office_check/") ? zammadOoo[path.basename(f)]?.["x-zammad-out-of-office"] : undefined;
      const expected: Expected = known
        ? { statuses: [], ...known }
        : ooo
          ? { kind: "auto-reply", recipientCount: null, statuses: [], why: "Zammad out_of_office_check_spec: x-zammad-out-of-office true" }
          : { kind: "human", recipientCount: null, statuses: [], why: ooo === false ? "Zammad out_of_office_check_spec: regular mail" : "a person's mail" };
      cases.push({ set, file: f, expected });
    }
  }

  const out: ClassifyCase[] = [];
  for (const c of cases) {
    try {
      const msg = await parseMessage(readFileSync(c.file));
      out.push({ ...c, actual: classifyMessage(msg), fromAddress: msg.from?.address ?? null, crash: null });
    } catch (err) {
      out.push({ ...c, actual: null, fromAddress: null, crash: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}

/**
 * Why a bounce's recipients are wrong, or null when they are right as far as the oracle can tell.
 * sisimai's expectations give the *number* of failed recipients, not the addresses. Right means: at least
 * one, no more than sisimai found, each a well-formed address that is not the bounce's own From (the
 * daemon), and exactly the named addresses where a source test names them.
 * Fewer than sisimai is accepted because sisimai sometimes counts one recipient twice (once from the DSN
 * part, once from the prose, e.g. rfc3464-01 "<nekochan>"); `countExact` reports the strict figure.
 */
export function recipientProblem(c: ClassifyCase): string | null {
  if (c.expected.kind !== "bounce" || c.actual?.kind !== "bounce") return null;
  const got = c.actual.bounce?.recipients ?? [];
  const addresses = got.map((r) => r.address);
  if (got.length === 0) return "no recipient extracted";
  const bad = addresses.find((a) => !/^[^@\s]+@[a-z0-9.-]+\.[a-z]{2,}$/.test(a) || a === c.fromAddress || /^mailer-daemon@/.test(a));
  if (bad) return `implausible recipient ${bad}`;
  if (c.expected.addresses && [...c.expected.addresses].sort().join() !== [...addresses].sort().join()) return `expected ${c.expected.addresses.join(",")}`;
  if (c.expected.recipientCount !== null && got.length > c.expected.recipientCount) return `more than the expected ${c.expected.recipientCount} recipient(s)`;
  if (c.expected.originalMessageId !== undefined && c.actual.bounce?.originalMessageId !== c.expected.originalMessageId) return `original Message-ID ${c.actual.bounce?.originalMessageId ?? "none"}`;
  return null;
}

export function countExact(c: ClassifyCase): boolean {
  return c.expected.recipientCount === null || (c.actual?.bounce?.recipients.length ?? 0) === c.expected.recipientCount;
}

/** Stated statuses the classifier missed or got wrong (multiset comparison; order is MTA-specific). */
export function statusProblem(c: ClassifyCase): string | null {
  if (c.expected.statuses.length === 0 || c.actual?.kind !== "bounce") return null;
  const got = (c.actual.bounce?.recipients ?? []).map((r) => r.status ?? "-").sort();
  const want = [...c.expected.statuses].sort();
  return want.every((s) => got.includes(s)) ? null : `status ${got.join(",")} != ${want.join(",")}`;
}

export interface ClassifySummary {
  set: string;
  total: number;
  crashes: number;
  kindRight: number;
  /** Expected automatic (any kind but human). */
  automatic: number;
  bounces: number;
  /** Expected bounce and classified bounce. */
  bounceRecognised: number;
  /** Expected bounce, classified bounce, recipients right. */
  bounceRight: number;
  /** …and exactly as many recipients as the oracle counts. */
  bounceCountExact: number;
  statusComparable: number;
  statusRight: number;
  humans: number;
  /** Expected human but classified automatic: must stay 0. */
  humanAsAutomatic: number;
  /** Expected automatic but classified human. */
  automaticAsHuman: number;
}

export function summariseClassification(cases: ClassifyCase[]): ClassifySummary[] {
  const sets = [...new Set(cases.map((c) => c.set))];
  return sets.map((set) => {
    const cs = cases.filter((c) => c.set === set);
    const bounces = cs.filter((c) => c.expected.kind === "bounce");
    const stated = cs.filter((c) => c.expected.statuses.length > 0 && c.actual?.kind === "bounce");
    return {
      set,
      total: cs.length,
      crashes: cs.filter((c) => c.crash).length,
      kindRight: cs.filter((c) => c.actual?.kind === c.expected.kind).length,
      automatic: cs.filter((c) => c.expected.kind !== "human").length,
      bounces: bounces.length,
      bounceRecognised: bounces.filter((c) => c.actual?.kind === "bounce").length,
      bounceRight: bounces.filter((c) => c.actual?.kind === "bounce" && recipientProblem(c) === null).length,
      bounceCountExact: bounces.filter((c) => c.actual?.kind === "bounce" && recipientProblem(c) === null && countExact(c)).length,
      statusComparable: stated.length,
      statusRight: stated.filter((c) => statusProblem(c) === null).length,
      humans: cs.filter((c) => c.expected.kind === "human").length,
      humanAsAutomatic: cs.filter((c) => c.expected.kind === "human" && c.actual !== null && c.actual.kind !== "human").length,
      automaticAsHuman: cs.filter((c) => c.expected.kind !== "human" && c.actual?.kind === "human").length,
    };
  });
}

export function formatClassifySummary(s: ClassifySummary): string {
  const parts = [`${s.set}: ${s.kindRight}/${s.total} kind right (${pct(s.kindRight, s.total)})`];
  if (s.bounces > 0) {
    const recognised = `${s.bounceRecognised}/${s.bounces} bounces recognised (${pct(s.bounceRecognised, s.bounces)})`;
    parts.push(`${recognised}, recipient right ${s.bounceRight}/${s.bounces} (${pct(s.bounceRight, s.bounces)}), recipient count exact ${s.bounceCountExact}`);
  }
  if (s.statusComparable > 0) parts.push(`stated status right ${s.statusRight}/${s.statusComparable}`);
  parts.push(`humans ${s.humans}, human→automatic ${s.humanAsAutomatic}, automatic→human ${s.automaticAsHuman}, crashes ${s.crashes}`);
  return parts.join(", ");
}

function describe(c: ClassifyCase): string {
  const a = c.actual;
  const rcpts = a?.bounce?.recipients.map((r) => `${r.address}[${r.status ?? "-"}]`).join(" ") ?? "";
  return `${a ? `${a.kind} (${a.reason})` : `CRASH ${c.crash}`}${rcpts ? ` ${rcpts}` : ""} — expected ${c.expected.kind}: ${c.expected.why}`;
}

export function classificationMisses(cases: ClassifyCase[]): string[] {
  const out: string[] = [];
  for (const c of cases) {
    const problem =
      c.crash !== null ? "crash"
      : c.actual?.kind !== c.expected.kind ? "kind"
      : (recipientProblem(c) ?? (countExact(c) ? null : `${c.actual.bounce?.recipients.length ?? 0} of sisimai's ${c.expected.recipientCount} recipients (accepted)`) ?? statusProblem(c));
    if (problem) out.push(`${rel(c.file)}: ${problem === "kind" || problem === "crash" ? "" : `${problem}; `}${describe(c)}`);
  }
  return out;
}

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

function trimCase(set: string, name: string, input: string, expected: string, equal?: (a: string, b: string) => boolean): TrimCase {
  try {
    const actual = trimReply(input).body;
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
 * parseMessage (mailparser's HTML-to-text) and trimmed. Expected texts come from html_quotations_test.py and
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
    out.push(trimCase("mailgun-talon (html, via parseMessage)", name, msg.text, expected, (x, e) => squash(x) === squash(e)));
  }
  const share = await parseMessage(readFileSync(path.join(dir, "reply-quotations-share-block.eml")));
  out.push(trimCase("mailgun-talon (html, via parseMessage)", "reply-quotations-share-block.eml", share.text, "(non-empty, without \"From\")", (x) => x.trim() !== "" && !x.includes("From")));
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

// =========================================================================================================

async function main(): Promise<void> {
  if (!corpusPresent) {
    console.log(`corpus absent at ${CORPUS_DIR} (set MAILCASE_CORPUS): nothing to report`);
    return;
  }
  const quiet = process.argv.includes("--quiet");
  const classification = await runClassification();
  console.log("== Automatic-mail classification");
  for (const s of summariseClassification(classification)) console.log(formatClassifySummary(s));
  if (!quiet) for (const m of classificationMisses(classification)) console.log(`  miss ${m}`);

  const trimming = await runTrimming();
  console.log("\n== Reply trimming (comparison: line endings, trailing spaces and blank-line runs normalised)");
  for (const s of summariseTrimming(trimming)) console.log(formatTrimSummary(s));
  const robust = trimRobustness();
  console.log(`all reply bodies: ${robust.total} trimmed, crashes ${robust.crashes.length}, emptied ${robust.emptied.length}, slowest ${robust.slowestMs.toFixed(0)} ms`);
  if (!quiet) for (const m of [...trimmingMisses(trimming), ...robust.crashes, ...robust.emptied.map((e) => `${e}: emptied`)]) console.log(`  miss ${m}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();

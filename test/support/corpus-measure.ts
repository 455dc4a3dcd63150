/**
 * Measures the automatic-mail classifier against the corpus's own expectations (sisimai's for bounces, the
 * other sets' tests for everything else). One implementation, imported by test/corpus/classify-corpus.test.ts
 * (which asserts the targets) and tools/corpus-report.ts (which prints the figures and every miss), so the
 * two can not drift apart.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { classifyMessage, type AutomaticKind, type Classification } from "../../src/parsing/automatic/classify.ts";
import { parseMessage } from "../../src/parsing/parse-message.ts";
import { CORPUS_DIR } from "./corpus.ts";

/** Every file under `dir`, sorted, so figures and miss lists come out in the same order on every machine. */
export function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? walk(full) : [full];
    });
}
/** A corpus file's path relative to the corpus, with forward slashes. */
export const rel = (file: string): string => path.relative(CORPUS_DIR, file).split(path.sep).join("/");
export const pct = (n: number, d: number): string => (d === 0 ? "n/a" : `${((100 * n) / d).toFixed(1)}%`);

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
  // Issue 14: mail from a no-reply address never gets an acknowledgement. This spam comes from noreply@ (with a
  // person's display name): an acknowledgement would go to an address nobody reads, so machine mail is right.
  "nodemailer-mailparser/test/fixtures/spam.eml": { kind: "bulk", recipientCount: null, why: "spam from a noreply@ address (issue 14: no acknowledgement to no-reply senders)" },
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

function describeCase(c: ClassifyCase): string {
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
    if (problem) out.push(`${rel(c.file)}: ${problem === "kind" || problem === "crash" ? "" : `${problem}; `}${describeCase(c)}`);
  }
  return out;
}


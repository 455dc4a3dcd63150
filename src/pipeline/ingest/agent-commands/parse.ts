/**
 * Commands an agent writes at the top of a reply by email (`#internal`, `#status waiting`, `#close …`).
 * Pure.
 *
 * Agents answer from phone mail clients, so the syntax is forgiving where forgiving is unambiguous: any
 * case, extra spaces, several commands on one line or on consecutive leading lines, a trailing `:` or `,`
 * after a command. It never guesses: a `#word` it does not know, a missing or unknown value, or two commands
 * that contradict each other become an entry in `errors` (a sentence meant to be mailed back to the agent),
 * and nothing is applied for them. Callers should bounce a reply with errors back to the agent instead of
 * applying half of it; `visibility` is nevertheless settled on the safe side in case a caller posts anyway.
 *
 * Where commands may appear: only in the block of consecutive lines starting at the first non-empty line,
 * each of which must begin with `#` and a letter. The block ends at the first other line (prose, a blank
 * line, a quoted `> …` line) or at prose after commands on the same line ("#internal checked the logs").
 * A `#` anywhere later ("see issue #42", a quoted "> #public") is text.
 */
import type { CaseStatus } from "../../../kernel/domain-types.ts";
import { statusLabel } from "../../../case/status.ts";
import { asWritten } from "./describe.ts";
import { settle } from "./settle.ts";
import { suggest } from "./suggest.ts";
import {
  COMMAND_WORD,
  EMAIL_RE,
  KEY_RE,
  NAMES,
  PRIORITY_VALUES,
  SEVERITY_VALUES,
  STATUS_VALUES,
  TRAILING_PUNCT,
  TYPE_VALUES,
  VALUE_HINTS,
  type AgentCommand,
  type AgentCommands,
  type AgentRef,
  type DoneStatus,
  type Name,
} from "./vocabulary.ts";

export type { AgentAddress, AgentCommand, AgentCommands, AgentRef, OpenStatus } from "./vocabulary.ts";
export { describeCommands } from "./describe.ts";

interface Token {
  text: string;
  start: number;
}

/** A closing command waiting for its solution (on its own line, or in the following paragraph). */
interface ClosingDraft {
  kind: "closing";
  status: DoneStatus;
  /** As written, for the error message ("#close", "#status resolved"). */
  written: string;
  solution: string | null;
}

type Item = AgentCommand | ClosingDraft | { kind: "private-failed" };

function tokenize(line: string): Token[] {
  return [...line.matchAll(/\S+/g)].map((m) => ({ text: m[0], start: m.index }));
}

function isCommandWord(tok: Token | undefined): boolean {
  return tok !== undefined && COMMAND_WORD.test(tok.text);
}

function knownName(word: string): Name | null {
  const w = word.replace(TRAILING_PUNCT, "").toLowerCase();
  return (NAMES as readonly string[]).includes(w) ? (w as Name) : null;
}

function normalizeValue(words: readonly string[]): string {
  return words
    .map((w) => w.replace(TRAILING_PUNCT, ""))
    .join("-")
    .toLowerCase()
    .replace(/_/g, "-");
}

/** Arguments are the plain (non-command) tokens right after the command. */
function plainTokensFrom(toks: readonly Token[], i: number, max: number): string[] {
  const out: string[] = [];
  for (let k = i; k < toks.length && out.length < max; k++) {
    const t = toks[k];
    if (!t || isCommandWord(t)) break;
    out.push(t.text);
  }
  return out;
}

/**
 * Reads an enumerated value of one to three words ("in progress", "waiting on customer"), longest match
 * first. An unrecognised word right after the command is taken as its (bad) value so it does not leak into
 * the body; a missing value is an error.
 */
function readValue<T>(
  name: keyof typeof VALUE_HINTS,
  values: ReadonlyMap<string, T>,
  toks: readonly Token[],
  i: number,
  errors: string[],
): { value: T | null; used: number } {
  const plain = plainTokensFrom(toks, i, 3);
  for (let n = plain.length; n >= 1; n--) {
    const v = values.get(normalizeValue(plain.slice(0, n)));
    if (v !== undefined) return { value: v, used: n };
  }
  const hint = `#${name} needs one of ${VALUE_HINTS[name]}`;
  const got = plain[0];
  if (got === undefined) {
    errors.push(hint);
    return { value: null, used: 0 };
  }
  const guess = suggest(normalizeValue([got]), [...values.keys()]);
  errors.push(`${hint} (got "${got}"${guess ? `; did you mean ${guess.replace(/-/g, " ")}?` : ""})`);
  return { value: null, used: 1 };
}

function parseAgentRef(raw: string): AgentRef | null {
  let s = raw.replace(TRAILING_PUNCT, "").replace(/^<(.*)>$/, "$1");
  const hadAt = s.startsWith("@");
  if (hadAt) s = s.slice(1);
  // "@me" as well: nobody types their own key on a phone, and a key "me" would be perverse.
  if (s.toLowerCase() === "me") return { kind: "self" };
  if (EMAIL_RE.test(s)) return { kind: "email", email: s.toLowerCase() };
  if (hadAt && KEY_RE.test(s)) return { kind: "key", key: s };
  return null;
}

function readAgent(
  name: "assign" | "private",
  toks: readonly Token[],
  i: number,
  errors: string[],
): { ref: AgentRef | null; used: number } {
  const hint = name === "assign" ? `#assign needs @agent, an agent's email address or "me"` : `#private needs the agent it is for, e.g. #private @jane`;
  const got = plainTokensFrom(toks, i, 1)[0];
  if (got === undefined) {
    errors.push(hint);
    return { ref: null, used: 0 };
  }
  const ref = parseAgentRef(got);
  if (!ref) {
    errors.push(`${hint} (got "${got}")`);
    return { ref: null, used: 1 };
  }
  if (ref.kind === "self" && name === "private") {
    errors.push(`#private needs another agent (got "${got}")`);
    return { ref: null, used: 1 };
  }
  return { ref, used: 1 };
}

/** A line that meant a command but has a space after `#` ("# internal", autocorrect likes doing this). */
function checkDetachedHash(text: string, errors: string[]): void {
  const m = /^#\s+(\S+)/.exec(text);
  const name = m?.[1] ? knownName(m[1]) : null;
  if (name) errors.push(`"# ${m?.[1] ?? name}" has a space after "#"; write #${name} (it was left as text)`);
}

/**
 * Parses one command line: commands with their values, then optional prose (verbatim rest of the line).
 */
function parseLine(line: string, errors: string[]): { items: Item[]; prose: string | null } {
  const toks = tokenize(line);
  const items: Item[] = [];
  let i = 0;
  while (i < toks.length) {
    const tok = toks[i];
    if (!tok || !isCommandWord(tok)) break;
    i++;
    const name = knownName(tok.text.slice(1));
    switch (name) {
      case null: {
        const word = tok.text.replace(TRAILING_PUNCT, "");
        const guess = suggest(word.slice(1), NAMES);
        errors.push(`unknown command "${word}"${guess ? ` (did you mean #${guess}?)` : ""}`);
        break;
      }
      case "internal":
        items.push({ kind: "visibility", visibility: "INTERNAL" });
        break;
      case "public":
        items.push({ kind: "visibility", visibility: "PUBLIC" });
        break;
      case "follow":
      case "unfollow":
      case "forward":
        items.push({ kind: name });
        break;
      case "close":
        items.push({ kind: "closing", status: "CLOSED", written: "#close", solution: null });
        break;
      case "resolve":
        items.push({ kind: "closing", status: "RESOLVED", written: "#resolve", solution: null });
        break;
      // `#solution …` resolves the case and turns the solution into a Draft knowledge base article.
      case "solution":
        items.push({ kind: "closing", status: "RESOLVED", written: "#solution", solution: null }, { kind: "kb" });
        break;
      case "kb":
        items.push({ kind: "kb" });
        break;
      case "private": {
        const r = readAgent("private", toks, i, errors);
        i += r.used;
        if (r.ref && r.ref.kind !== "self") items.push({ kind: "private", to: r.ref });
        else items.push({ kind: "private-failed" });
        break;
      }
      case "assign": {
        const r = readAgent("assign", toks, i, errors);
        i += r.used;
        if (r.ref) items.push({ kind: "assign", to: r.ref });
        break;
      }
      case "status": {
        const r = readValue("status", STATUS_VALUES, toks, i, errors);
        i += r.used;
        if (r.value === "RESOLVED" || r.value === "CLOSED") {
          items.push({ kind: "closing", status: r.value, written: `#status ${statusLabel(r.value)}`, solution: null });
        } else if (r.value !== null) {
          items.push({ kind: "status", status: r.value });
        }
        break;
      }
      case "priority": {
        const r = readValue("priority", PRIORITY_VALUES, toks, i, errors);
        i += r.used;
        if (r.value !== null) items.push({ kind: "priority", priority: r.value });
        break;
      }
      case "severity": {
        const r = readValue("severity", SEVERITY_VALUES, toks, i, errors);
        i += r.used;
        if (r.value !== null) items.push({ kind: "severity", severity: r.value });
        break;
      }
      case "type": {
        const r = readValue("type", TYPE_VALUES, toks, i, errors);
        i += r.used;
        if (r.value !== null) items.push({ kind: "type", caseType: r.value });
        break;
      }
      case "sla": {
        const got = plainTokensFrom(toks, i, 1)[0];
        if (got === undefined || !KEY_RE.test(got)) {
          errors.push(`#sla needs the key of an SLA contract, e.g. #sla gold${got === undefined ? "" : ` (got "${got}")`}`);
        } else items.push({ kind: "level", contract: got.toLowerCase() });
        if (got !== undefined) i++;
        break;
      }
      case "portal": {
        const got = plainTokensFrom(toks, i, 1)[0]?.toLowerCase();
        if (got === "on" || got === "off") {
          items.push({ kind: "portal", visible: got === "on" });
          i++;
        } else errors.push(`#portal needs on or off${got === undefined ? "" : ` (got "${got}")`}`);
        break;
      }
      case "approve":
      case "reject": {
        // The rest of the line is the approver's note (required to reject): free text, like #reason.
        const rest = toks[i];
        const why = rest ? line.slice(rest.start).trim().slice(0, 500) : "";
        if (name === "reject" && why === "") errors.push("#reject needs the reason on the same line, e.g. #reject the customer's contract does not cover this");
        else items.push({ kind: "verdict", verdict: name, why: why === "" ? null : why });
        i = toks.length;
        break;
      }
      case "set": {
        // `#set <field> <value>`: the value is the rest of the line (free text, like #reason).
        const key = toks[i]?.text.replace(TRAILING_PUNCT, "").toLowerCase();
        const value = toks[i + 1] ? line.slice(toks[i + 1]!.start).trim() : "";
        if (key === undefined || isCommandWord(toks[i])) errors.push("#set needs a field and its value, e.g. #set contract C-1042");
        else if (key === "product") items.push({ kind: "product", code: value === "" ? "none" : value });
        else items.push({ kind: "field", key, value });
        i = toks.length;
        break;
      }
      case "product": {
        const got = plainTokensFrom(toks, i, 1)[0];
        if (got === undefined) errors.push("#product needs a product code, e.g. #product PRN-100 (or none)");
        else {
          items.push({ kind: "product", code: got.replace(TRAILING_PUNCT, "") });
          i++;
        }
        break;
      }
      case "reason": {
        // The reason is the rest of the line: it is free text, so nothing after it can be a command.
        const rest = toks[i];
        const reason = rest ? line.slice(rest.start).trim() : "";
        if (reason === "") errors.push("#reason needs the reason on the same line, e.g. #reason billing question");
        else items.push({ kind: "reason", reason: reason.slice(0, 500) });
        i = toks.length;
        break;
      }
    }
  }
  const rest = toks[i];
  if (!rest) return { items, prose: null };
  const prose = line.slice(rest.start).trim();
  checkDetachedHash(prose, errors);
  return { items, prose };
}

/**
 * Parses the commands at the top of an agent's reply (already trimmed of quoted history).
 *
 * `#close`/`#resolve` (and `#status closed|resolved`) take the rest of their line as the solution, or, when
 * that is empty, the text after the command block up to the first blank line; without one they are an
 * error ("a solution is required to close"). Without any visibility command `defaultVisibility` applies,
 * (the test oracle `test/oracles/agent-reply.ts` states the same rule), so answering an internal notification can never leak it.
 */
export function parseAgentCommands(text: string, defaultVisibility: "PUBLIC" | "INTERNAL"): AgentCommands {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const errors: string[] = [];
  const items: Item[] = [];
  const pending: ClosingDraft[] = [];
  let i = lines.findIndex((l) => l.trim() !== "");
  if (i < 0) return { commands: [], errors, visibility: defaultVisibility, privateTo: null, body: "" };

  let bodyHead: string | null = null;
  for (; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    if (!COMMAND_WORD.test(line)) {
      checkDetachedHash(line, errors);
      break;
    }
    const parsed = parseLine(line, errors);
    items.push(...parsed.items);
    const closings = parsed.items.filter((c): c is ClosingDraft => c.kind === "closing");
    pending.push(...closings);
    if (parsed.prose === null) continue;
    if (closings.length > 0) {
      // The prose of a closing line is its solution; the next line may still carry commands.
      for (const c of pending) c.solution = parsed.prose;
      pending.length = 0;
      continue;
    }
    bodyHead = parsed.prose;
    i++;
    break;
  }

  let after = bodyHead === null ? lines.slice(i) : [bodyHead, ...lines.slice(i)];
  if (pending.length > 0) {
    const end = after.findIndex((l) => l.trim() === "");
    const paragraph = end < 0 ? after : after.slice(0, end);
    const solution = paragraph.join("\n").trim();
    for (const c of pending) c.solution = solution;
    after = end < 0 ? [] : after.slice(end);
  }

  const applicable: AgentCommand[] = [];
  let privateFailed = false;
  for (const item of items) {
    if (item.kind === "private-failed") {
      privateFailed = true;
    } else if (item.kind === "closing") {
      if (item.solution) applicable.push({ kind: "close", status: item.status, solution: item.solution });
      else errors.push(`a solution is required to ${item.status === "CLOSED" ? "close" : "resolve"}: write it after ${item.written} on the same line`);
    } else {
      applicable.push(item);
    }
  }

  const commands = settle(applicable, errors);
  if (commands.some((c) => c.kind === "kb") && !items.some((c) => c.kind === "closing")) errors.push("#kb makes the solution a knowledge base article: use it with #close or #resolve (or write #solution …)");
  let visibility: AgentCommands["visibility"] = defaultVisibility;
  let privateTo: string | null = null;
  const vis = commands.find((c) => c.kind === "visibility" || c.kind === "private");
  if (vis?.kind === "private") {
    visibility = "PRIVATE";
    privateTo = vis.to.kind === "key" ? vis.to.key : vis.to.email;
  } else if (vis?.kind === "visibility") {
    visibility = vis.visibility;
  } else if (applicable.some((c) => c.kind === "private")) {
    visibility = "INTERNAL"; // two private addressees: settle() dropped both
  }
  // A failed #private still says "not for the customer".
  if (privateFailed && visibility === "PUBLIC") visibility = "INTERNAL";

  return { commands, errors, visibility, privateTo, body: after.join("\n").trim() };
}


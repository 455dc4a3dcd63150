/**
 * Regular expressions from the configuration (assignment rules), run with a time limit.
 *
 * JavaScript's regex engine backtracks, so a pattern like `(a+)+$` can take exponential time on a hostile
 * subject line. Two limits, both always on:
 * - the text is cut to REGEX_INPUT_CAP characters (a rule about a mail's opening never needs more), and
 * - the match runs in a `node:vm` context with a timeout of REGEX_TIME_LIMIT_MS: V8 checks for the interrupt
 *   while backtracking, so a runaway match is stopped and reported as `timeout` (the rule then does not match,
 *   and `route --explain` says why) instead of blocking the ingest worker.
 * Why not RE2: it is a native module (or a large port) and a new dependency; the vm timeout costs about
 * 0.4 ms per match on the lab machine and needs nothing installed.
 */
import vm from "node:vm";

export const REGEX_TIME_LIMIT_MS = 50;
export const REGEX_INPUT_CAP = 20_000;

export type RegexOutcome = "match" | "no-match" | "timeout";

const context = vm.createContext({ re: /$^/, s: "" });
const script = new vm.Script("re.test(s)");

/** Compiles a configured pattern the way it is run (case-insensitive, Unicode); throws SyntaxError when invalid. */
export function compileRulePattern(pattern: string): RegExp {
  return new RegExp(pattern, "iu");
}

export function testRegex(pattern: string | RegExp, text: string, timeoutMs = REGEX_TIME_LIMIT_MS): RegexOutcome {
  const re = typeof pattern === "string" ? compileRulePattern(pattern) : new RegExp(pattern.source, pattern.flags.replace("g", ""));
  context.re = re;
  context.s = text.slice(0, REGEX_INPUT_CAP);
  try {
    return script.runInContext(context, { timeout: timeoutMs }) === true ? "match" : "no-match";
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT") return "timeout";
    throw err;
  } finally {
    context.s = "";
  }
}

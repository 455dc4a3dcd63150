/**
 * What a reviewer's answer to a knowledge base review mail asks for, as a pure function: `#publish [portal…]`
 * or `#reject <why>` on a line of its own (the quoted review mail is already trimmed away). Exactly one of
 * them; anything else is explained back rather than guessed, because publishing is visible to customers.
 */
export type ReviewCommand =
  /** `portals` null: none named, the default portals apply. */
  | { kind: "publish"; portals: string[] | null }
  | { kind: "reject"; why: string }
  | { kind: "error"; reasons: string[] };

const LINE = /^\s*#(publish|reject|approve)\b(.*)$/i;
const PORTAL_KEY = /^[a-z0-9][a-z0-9_-]*$/;

export function parseReviewCommand(body: string): ReviewCommand {
  const found = body
    .split(/\r?\n/)
    .map((l) => LINE.exec(l))
    .filter((m): m is RegExpExecArray => m !== null);
  if (found.length === 0) return { kind: "error", reasons: ["answer a review mail with #publish (optionally followed by portal keys) or with #reject and the reason on the same line"] };
  if (found.length > 1) return { kind: "error", reasons: [`one decision per answer: found ${found.map((m) => `#${m[1]!.toLowerCase()}`).join(", ")}`] };
  const [, word, rest] = found[0]!;
  const name = word!.toLowerCase();
  const args = rest!.trim();
  if (name === "reject") {
    if (args === "") return { kind: "error", reasons: ["#reject needs the reason on the same line (it is sent to the author)"] };
    return { kind: "reject", why: args.slice(0, 2000) };
  }
  // `#approve` is what agents type on approval mails; on a review mail it means the same as `#publish`.
  const portals = args.split(/[\s,]+/).filter((p) => p !== "").map((p) => p.toLowerCase());
  const bad = portals.filter((p) => !PORTAL_KEY.test(p));
  if (bad.length) return { kind: "error", reasons: [`#${name}: ${bad.map((p) => `"${p}"`).join(", ")} is not a portal key`] };
  return { kind: "publish", portals: portals.length ? [...new Set(portals)] : null };
}

/**
 * `mailcase case create|post|set|assign|follow|close|merge|clone|link`: the case operations of src/case/ops,
 * acting as the agent named by `--as` (required: every change is somebody's, and that agent's access rules
 * decide what they may change; a case they may not see is "not found", as with `mailcase case N --as`).
 * Flags are turned into the operations' input and validated by the same zod schemas as the HTTP API.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import type { z } from "zod";
import { actingAgentByKey, type ActingAgent } from "../case/acting-agent.ts";
import type { OpResult, OpsDeps } from "../case/ops/common.ts";
import { createCase } from "../case/ops/create-case.ts";
import { cloneCase, linkCases } from "../case/ops/link-case.ts";
import { mergeCases } from "../case/ops/merge-case.ts";
import { postOnCase } from "../case/ops/post-case.ts";
import { ChangeInput, CloneInput, CreateCaseInput, FollowInput, LinkInput, MergeInput, PostInput } from "../case/ops/schemas.ts";
import { changeCaseFields, followCase } from "../case/ops/set-case.ts";
import { opsDepsOf } from "../pipeline/case-effects.ts";
import { withRuntime } from "./cli-runtime.ts";

/** A CLI usage error: printed as is, exit code 2 (nothing was attempted). */
class UsageError extends Error {}

/** Validates flags with an operation's schema; each problem names its field as the flag would. */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  throw new UsageError(r.error.issues.map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`).join("; "));
}

/** Runs one operation as `--as`, prints its outcome (text or JSON), sets the exit code. */
async function act<I, T extends object>(
  as: string | undefined,
  json: boolean | undefined,
  input: () => Promise<I> | I,
  run: (ops: OpsDeps, agent: ActingAgent, input: I) => Promise<OpResult<T>>,
  describe: (r: T) => string,
): Promise<void> {
  let parsed: I;
  try {
    if (!as) throw new UsageError("--as <agent> is required: say which agent acts");
    parsed = await input();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`mailcase: ${err.message}`);
    process.exitCode = 2;
    return;
  }
  const result = await withRuntime(async (rt) => {
    const agent = await actingAgentByKey(rt.deps.db, as!);
    if (!agent) return null;
    return run(opsDepsOf(rt.deps), agent, parsed);
  });
  if (result === null) {
    console.error(`mailcase: unknown or deactivated agent "${as}"`);
    process.exitCode = 1;
    return;
  }
  if (json) console.log(JSON.stringify(result, null, 2));
  if (!result.ok) {
    if (!json) console.error(`mailcase: ${result.error === "not-found" ? result.reason : `refused${result.field ? ` (${result.field})` : ""}: ${result.reason}`}`);
    process.exitCode = 1;
    return;
  }
  if (!json) console.log(describe(result));
}

const list = (v: string, prev: string[] = []) => [...prev, ...v.split(",").map((s) => s.trim()).filter(Boolean)];
const onOff = (v: string) => {
  if (v === "on" || v === "yes" || v === "true") return true;
  if (v === "off" || v === "no" || v === "false") return false;
  throw new UsageError(`expected on or off, got "${v}"`);
};
const upper = (v: string | undefined) => v?.toUpperCase().replace(/[ -]/g, "_");
/** `--body` or `--body-file` (a file, or "-" for standard input). */
async function bodyOf(opts: { body?: string; bodyFile?: string }): Promise<string | undefined> {
  if (opts.bodyFile === undefined) return opts.body;
  return opts.bodyFile === "-" ? readFileSync(0, "utf8") : readFile(opts.bodyFile, "utf8");
}
const ref = (n: number) => `case ${n}`;

interface Common {
  as?: string;
  json?: boolean;
}

/** `--field key=value` (repeatable) → { key: value }; `key=` clears it. The value is checked by the operation. */
function fieldPair(v: string, all: Record<string, string> = {}): Record<string, string> {
  const eq = v.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`"${v}" is not key=value`);
  return { ...all, [v.slice(0, eq).trim()]: v.slice(eq + 1) };
}

export function registerCaseActions(caseCommand: Command): void {
  const sub = (name: string, description: string) =>
    caseCommand.command(name).description(description).option("--as <agent>", "the agent who acts (required)").option("--json", "print the outcome as JSON");

  sub("create", "open a case for a phone call, a web form or another system (routed like mail unless --owner/--team)")
    .requiredOption("--requester <email>", "the customer's address (contact created when new)")
    .option("--name <name>", "the customer's name, for a new contact")
    .option("--cc <emails>", "more contacts, comma-separated", list)
    .requiredOption("--subject <text>")
    .option("--body <text>", "what the customer said (the opening post and description)")
    .option("--body-file <file>", "read it from a file (- for standard input)")
    .option("--origin <origin>", "phone, api or web", "phone")
    .option("--priority <priority>")
    .option("--type <type>")
    .option("--owner <agent>", "owner instead of routing's")
    .option("--team <team>", "team instead of routing's")
    .option("--ack", "mail the customer an acknowledgement")
    .option("--mailbox <key>", "mailbox the case's mail goes out from")
    .option("--field <key=value>", "a custom case field (repeat for several); required fields must be given", fieldPair)
    .option("--product <code>", "the product the case is about")
    .action((o: Common & { field?: Record<string, string>; product?: string; requester: string; name?: string; cc?: string[]; subject: string; body?: string; bodyFile?: string; origin: string; priority?: string; type?: string; owner?: string; team?: string; ack?: boolean; mailbox?: string }) =>
      act(
        o.as,
        o.json,
        async () =>
          parseInput(CreateCaseInput, {
            requester: { email: o.requester, name: o.name },
            cc: o.cc ?? [],
            subject: o.subject,
            description: (await bodyOf(o)) ?? "",
            origin: upper(o.origin),
            priority: upper(o.priority),
            type: upper(o.type),
            owner: o.owner,
            team: o.team,
            acknowledge: Boolean(o.ack),
            mailbox: o.mailbox,
            fields: o.field,
            product: o.product,
          }),
        createCase,
        (r) => `opened ${ref(r.number)}`,
      ),
    );

  sub("post", "add a post: public (mailed to the customer like an email answer), internal, or private")
    .argument("<number>", "case number")
    .option("--public", "an answer the customer gets by mail")
    .option("--private <to>", "only for this agent (key) or case contact (address)")
    .option("--body <text>")
    .option("--body-file <file>", "read it from a file (- for standard input)")
    .option("--attach <file>", "attach a file (repeat for several); a public post mails it", (v: string, all: string[] = []) => [...all, v])
    .action((number: string, o: Common & { public?: boolean; private?: string; body?: string; bodyFile?: string; attach?: string[] }) =>
      act(
        o.as,
        o.json,
        async () => {
          if (o.public && o.private) throw new UsageError("--public and --private exclude each other");
          const attachments = await Promise.all(
            (o.attach ?? []).map(async (file) => {
              const content = await readFile(file).catch((err: Error) => {
                throw new UsageError(`--attach ${file}: ${err.message}`);
              });
              // The same input as the API's: base64, validated and limited by the same schema.
              return { filename: path.basename(file), content: content.toString("base64") };
            }),
          );
          return parseInput(PostInput, {
            case: number,
            visibility: o.public ? "PUBLIC" : o.private ? "PRIVATE" : "INTERNAL",
            to: o.private,
            body: (await bodyOf(o)) ?? "",
            ...(attachments.length ? { attachments } : {}),
          });
        },
        postOnCase,
        (r) => `posted #${r.postId} on ${ref(r.number)}${r.changed.length ? ` (changed: ${r.changed.join(", ")})` : ""}`,
      ),
    );

  const describeChange = (r: { number: number; changed: string[]; held: { requestId: number; rule: string; fields: string[] } | null }) =>
    [
      r.changed.length ? `${ref(r.number)}: changed ${r.changed.join(", ")}` : r.held ? null : `${ref(r.number)}: already so, nothing changed`,
      r.held ? `${ref(r.number)}: ${r.held.fields.join(", ")} held for approval (rule "${r.held.rule}", request ${r.held.requestId}); the approvers were mailed` : null,
    ]
      .filter((line) => line !== null)
      .join("\n");

  sub("set", "change fields, by the same rules as the mail commands (a solution is required to resolve or close)")
    .argument("<number>", "case number")
    .option("--status <status>")
    .option("--solution <text>")
    .option("--priority <priority>")
    .option("--severity <severity>")
    .option("--type <type>")
    .option("--reason <text>")
    .option("--portal <on|off>", "whether the portal shows the case", onOff)
    .option("--sla <level>", "SLA level (contract key)")
    .option("--team <team>", "team key, or none")
    .option("--field <key=value>", "a custom case field (repeat for several); key= clears it", fieldPair)
    .option("--product <code>", "product code, or none")
    .option("--note <text>", "an internal note written with the change (a status flow may require one)")
    .action((number: string, o: Common & { field?: Record<string, string>; product?: string; status?: string; solution?: string; priority?: string; severity?: string; type?: string; reason?: string; portal?: boolean; sla?: string; team?: string; note?: string }) =>
      act(
        o.as,
        o.json,
        () =>
          parseInput(ChangeInput, {
            case: number,
            status: upper(o.status),
            solution: o.solution,
            priority: upper(o.priority),
            severity: upper(o.severity),
            type: upper(o.type),
            reason: o.reason,
            portal: o.portal,
            sla: o.sla,
            team: o.team === "none" ? null : o.team,
            fields: o.field,
            product: o.product === "none" ? null : o.product,
            note: o.note,
          }),
        changeCaseFields,
        describeChange,
      ),
    );

  sub("assign", "give the case an owner (and optionally a team)")
    .argument("<number>", "case number")
    .requiredOption("--to <agent>", "the new owner's key")
    .option("--team <team>")
    .action((number: string, o: Common & { to: string; team?: string }) =>
      act(o.as, o.json, () => parseInput(ChangeInput, { case: number, owner: o.to, team: o.team }), changeCaseFields, describeChange),
    );

  sub("close", "close (or with --resolve, resolve) the case with its solution")
    .argument("<number>", "case number")
    .requiredOption("--solution <text>")
    .option("--resolve", "resolved instead of closed (the customer may still reopen it)")
    .action((number: string, o: Common & { solution: string; resolve?: boolean }) =>
      act(o.as, o.json, () => parseInput(ChangeInput, { case: number, status: o.resolve ? "RESOLVED" : "CLOSED", solution: o.solution }), changeCaseFields, describeChange),
    );

  sub("follow", "follow the case as the acting agent (--stop to unfollow)")
    .argument("<number>", "case number")
    .option("--stop", "unfollow")
    .action((number: string, o: Common & { stop?: boolean }) =>
      act(
        o.as,
        o.json,
        () => parseInput(FollowInput, { case: number, follow: !o.stop }),
        followCase,
        (r) => `${r.following ? "following" : "not following"} ${ref(r.number)}${r.changed ? "" : " (already)"}`,
      ),
    );

  sub("merge", "merge the case into another: its posts, contacts, followers and mail threads move there; it is closed")
    .argument("<number>", "the case that goes away")
    .requiredOption("--into <number>", "the case that stays")
    .action((number: string, o: Common & { into: string }) =>
      act(
        o.as,
        o.json,
        () => parseInput(MergeInput, { case: number, into: o.into }),
        mergeCases,
        (r) => (r.already ? `${ref(r.number)} was already merged into ${ref(r.intoNumber)}` : `merged ${ref(r.number)} into ${ref(r.intoNumber)}: ${r.posts} posts, ${r.messageRefs} message references moved`),
      ),
    );

  sub("clone", "a new case with the same fields, contacts and description, related to this one (no posts)")
    .argument("<number>", "case number")
    .action((number: string, o: Common) => act(o.as, o.json, () => parseInput(CloneInput, { case: number }), cloneCase, (r) => `cloned ${ref(r.fromNumber)} as ${ref(r.number)}`));

  sub("link", "mark two cases related, or (--parent) make this case a sub-case of the other")
    .argument("<number>", "case number")
    .requiredOption("--to <number>", "the other case")
    .option("--parent", "the other case is this one's parent")
    .option("--remove", "remove the link")
    .action((number: string, o: Common & { to: string; parent?: boolean; remove?: boolean }) =>
      act(
        o.as,
        o.json,
        () => parseInput(LinkInput, { case: number, to: o.to, kind: o.parent ? "parent" : "related", remove: Boolean(o.remove) }),
        linkCases,
        (r) => `${ref(r.number)} ${o.remove ? "unlinked from" : o.parent ? "is a sub-case of" : "related to"} ${ref(r.toNumber)}${r.changed ? "" : " (already)"}`,
      ),
    );
}

/**
 * `mailcase case create|post|set|assign|follow|close|merge|clone|link` as a user runs them: the real CLI in a
 * child process against the real services (the worker in this process sends what the CLI enqueued). A public
 * post reaches the customer's IMAP mailbox; refusals name the field and exit non-zero; `--as` is required and
 * a case the agent may not see is "not found", in the words of a missing case.
 */
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.ts";
import { labConfig, rand, startApp, waitForMail, type App } from "../support/harness.ts";

describe("mailcase case … (acting CLI)", () => {
  const id = rand();
  const customer = `pat-${id}@acme.test`;
  let app: App;
  const db = () => app.rt.deps.db;
  const cli = (args: string[]) => runCli(app, args);
  const json = <T>(r: { code: number; stdout: string }): T => {
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  let number = 0;

  beforeAll(async () => {
    app = await startApp(labConfig(id), { roles: ["worker"] });
  });
  afterAll(async () => app?.close());

  it("refuses to act without --as, and for an unknown agent", async () => {
    const noAs = await cli(["case", "create", "--requester", customer, "--subject", "x"]);
    expect(noAs).toMatchObject({ code: 2, stderr: expect.stringContaining("--as <agent> is required") });
    const ghost = await cli(["case", "create", "--as", "ghost", "--requester", customer, "--subject", "x"]);
    expect(ghost).toMatchObject({ code: 1, stderr: expect.stringContaining('unknown or deactivated agent "ghost"') });
    const bad = await cli(["case", "create", "--as", "alice", "--requester", "not-an-address", "--subject", "x"]);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining("requester.email") });
    expect(await db().case.count()).toBe(0);
  });

  it("opens a phone case and mails a public post to the customer's mailbox", async () => {
    const created = json<{ number: number }>(
      await cli(["case", "create", "--as", "alice", "--requester", customer, "--subject", `Phone call ${id}`, "--body", "Printer smokes.", "--priority", "high", "--json"]),
    );
    number = created.number;
    const c = await db().case.findUniqueOrThrow({ where: { number }, include: { owner: true } });
    expect(c).toMatchObject({ origin: "PHONE", priority: "HIGH" });
    expect(c.owner?.key).toBe("alice");
    const file = path.join(tmpdir(), `wiring-${id}.txt`);
    await writeFile(file, `wiring diagram ${id}\n`);
    const posted = await cli(["case", "post", String(number), "--as", "alice", "--public", "--body", `Please unplug it now (${id}).`, "--attach", file]);
    expect(posted).toMatchObject({ code: 0, stdout: expect.stringContaining(`on case ${number}`) });
    const mail = await waitForMail(customer, (m) => m.text?.includes(`unplug it now (${id})`) ?? false, "the public post");
    expect(mail.attachments.map((a) => [a.filename, a.content.toString("utf8")])).toEqual([[`wiring-${id}.txt`, `wiring diagram ${id}\n`]]);
    const missing = await cli(["case", "post", String(number), "--as", "alice", "--body", "x", "--attach", `${file}.missing`]);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining(`--attach ${file}.missing`) });
    expect(mail.subject).toContain(`[MC-${number}]`);
    expect(mail.from?.value[0]?.name).toContain("Alice Novak");
  });

  it("changes fields by the mail commands' rules", async () => {
    const noSolution = await cli(["case", "set", String(number), "--as", "alice", "--status", "closed"]);
    expect(noSolution).toMatchObject({ code: 1, stderr: expect.stringContaining("refused (solution): a solution is required to close") });
    expect(await cli(["case", "set", String(number), "--as", "alice", "--severity", "major", "--reason", "hardware"])).toMatchObject({ code: 0, stdout: expect.stringContaining("changed severity, reason") });
    expect(await cli(["case", "assign", String(number), "--as", "alice", "--to", "bob"])).toMatchObject({ code: 0 });
    expect(await cli(["case", "follow", String(number), "--as", "alice", "--stop"])).toMatchObject({ code: 0, stdout: expect.stringContaining("not following") });
    const c = await db().case.findUniqueOrThrow({ where: { number }, include: { owner: true, followers: { include: { agent: true } } } });
    expect({ severity: c.severity, reason: c.reason, owner: c.owner?.key }).toEqual({ severity: "MAJOR", reason: "hardware", owner: "bob" });
    expect(c.followers.map((f) => f.agent?.key)).not.toContain("alice");
  });

  it("clones, links, merges and closes", async () => {
    const clone = json<{ number: number }>(await cli(["case", "clone", String(number), "--as", "alice", "--json"]));
    expect((await db().case.findUniqueOrThrow({ where: { number: clone.number } })).subject).toBe(`Phone call ${id}`);
    expect(await cli(["case", "link", String(clone.number), "--to", String(number), "--parent", "--as", "alice"])).toMatchObject({ code: 0, stdout: expect.stringContaining("sub-case") });
    const merged = await cli(["case", "merge", String(clone.number), "--into", String(number), "--as", "alice"]);
    expect(merged).toMatchObject({ code: 0, stdout: expect.stringContaining(`merged case ${clone.number} into case ${number}`) });
    expect(await db().case.findUniqueOrThrow({ where: { number: clone.number } })).toMatchObject({ status: "CLOSED" });
    expect(await cli(["case", "close", String(number), "--as", "alice", "--solution", "Replaced the fuser."])).toMatchObject({ code: 0 });
    expect((await db().case.findUniqueOrThrow({ where: { number } })).status).toBe("CLOSED");
  });

  it("says 'not found' for a case the agent may not see, exactly as for a missing one", async () => {
    // dana is not in vip-desk, the team of ACME's cases.
    const hidden = await cli(["case", "post", String(number), "--as", "dana", "--body", "peek"]);
    const missing = await cli(["case", "post", "999999", "--as", "dana", "--body", "peek"]);
    expect(hidden).toMatchObject({ code: 1, stderr: `mailcase: case ${number} not found\n` });
    expect(missing).toMatchObject({ code: 1, stderr: "mailcase: case 999999 not found\n" });
    expect(await db().post.count({ where: { body: "peek" } })).toBe(0);
  });
});

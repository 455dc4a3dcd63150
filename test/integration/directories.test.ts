/**
 * Directories on real services: a contact in a restricted directory writes in; only agents who may see the
 * directory (or own the case) hear of it; the CLI's `--as` shows an agent exactly what they may see.
 *
 * Cast: dana owns every standard case (area default, team first-line) but has no access to "board"; erin is in
 * first-line and auto-follows everything, and sees "board" through her team secure-desk; bob is in first-line
 * and auto-follows everything, without access.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyConfig } from "../../src/config/apply-config.ts";
import { TEST_DATABASE_URL } from "../support/global-setup.ts";
import { inbox, labConfig, rand, sendMail, startApp, waitFor, waitForMail, type App } from "../support/harness.ts";

const run = promisify(execFile);
// Each CLI invocation starts a runtime (a few seconds on a busy machine): the CLI-heavy tests get 5 minutes.
const ROOT = path.resolve(import.meta.dirname, "../..");
const cli = (args: string[]) =>
  run(process.execPath, [path.join(ROOT, "bin/mailcase.mjs"), ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: "silent" } });

interface ShownCase {
  contacts: { email: string | null; role: string; hidden: boolean }[];
  routing: { owner: string; explain: string[] };
  stream: { author: string; body: string }[];
}

describe("directories: who hears of and sees a contact's cases", () => {
  const id = rand();
  const ceo = `ceo-${id}@customer.test`;
  const opener = `open-${id}@customer.test`;
  const erin = `erin-${id}@helpdesk.test`;
  const bob = `bob-${id}@helpdesk.test`;
  const dana = `dana-${id}@helpdesk.test`;
  const cfg = labConfig(id, (doc) => {
    (doc.agents as unknown[]).push({ key: "erin", name: "Erin Berg", email: erin, autoFollowAll: true });
    doc.teams = [
      { key: "first-line", name: "First line", members: ["bob", "dana", "erin"] },
      { key: "vip-desk", name: "VIP desk", members: ["alice", "bob"] },
      { key: "secure-desk", name: "Secure desk", members: ["erin"] },
    ];
    doc.directories = [{ key: "board", name: "Board members", access: { teams: ["secure-desk"] } }];
    (doc.contacts as unknown[]).push({ email: ceo, name: "Cleo CEO", directory: "board" });
  });
  let app: App;
  const agentIds: Record<string, number> = {};

  beforeAll(async () => {
    app = await startApp(cfg);
    for (const a of await app.rt.deps.db.agent.findMany()) agentIds[a.key] = a.id;
  });
  afterAll(async () => app?.close());

  const db = () => app.rt.deps.db;
  const caseOf = (messageId: string) =>
    waitFor(async () => (await db().inboundMessage.findFirst({ where: { messageId, caseId: { not: null } }, include: { case: true } }))?.case, `case of ${messageId}`);
  const mailTo = (caseId: number, agent: string, kind: "NEW_CASE" | "UPDATE") =>
    db().outboundMail.count({ where: { caseId, kind, recipientAgentId: agentIds[agent]! } });

  it("applies directories idempotently and puts the contact in its directory", async () => {
    const snapshot = async () => ({
      directories: await db().directory.findMany({ orderBy: { id: "asc" } }),
      access: (await db().directoryAccess.findMany({ orderBy: { id: "asc" } })).map(({ id: _, ...r }) => r),
      ceo: await db().contact.findUniqueOrThrow({ where: { email: ceo }, include: { directory: true } }),
    });
    const before = await snapshot();
    expect(before.ceo.directory?.key).toBe("board");
    expect(before.access).toEqual([{ directoryId: before.ceo.directoryId, agentId: null, teamId: expect.any(Number) }]);
    await applyConfig(db(), cfg);
    expect(await snapshot()).toEqual(before);
  });

  let hiddenNumber = 0;

  it("tells an auto-follow agent with access (via team) and the owner of the new case, and not the one without", async () => {
    const msgId = await sendMail({ from: `"Cleo CEO" <${ceo}>`, to: app.support, subject: `Board matter ${id}`, text: "Confidential." });
    const c = await caseOf(msgId);
    hiddenNumber = Number(c.number);
    expect(c.ownerId).toBe(agentIds.dana);
    const subject = (m: { subject?: string }) => m.subject?.includes(`[MC-${c.number}] New case`) ?? false;
    await waitForMail(erin, subject, "new-case notice to erin (access via secure-desk)");
    await waitForMail(dana, subject, "new-case notice to dana (owner without access)");
    // Every recipient's row is written in one transaction, so bob's absence is final once erin's row exists.
    expect(await mailTo(c.id, "erin", "NEW_CASE")).toBe(1);
    expect(await mailTo(c.id, "bob", "NEW_CASE")).toBe(0);
    expect((await inbox(bob)).filter(subject)).toEqual([]);
  });

  it("shows the case through `--as` only to agents who may see it, and says \"not found\" to the others", async () => {
    const n = String(hiddenNumber);
    const failed = (e: { stdout: string; stderr: string; code: number }) => e;
    const missing = await cli(["case", "999999", "--as", "bob"]).catch(failed);
    const hidden = await cli(["case", n, "--as", "bob"]).catch(failed);
    const erinView = await cli(["case", n, "--as", "erin", "--json"]);
    const danaView = await cli(["case", n, "--as", "dana", "--json"]);
    const operatorView = await cli(["case", n]);
    const bobList = await cli(["cases", "--as", "bob"]);
    const erinList = await cli(["cases", "--as", "erin"]);
    const unknown = await cli(["cases", "--as", "zed"]).catch(failed);
    expect(hidden).toMatchObject({ code: 1, stderr: `case ${n} not found\n` });
    expect(missing).toMatchObject({ code: 1, stderr: "case 999999 not found\n" });
    // bob cannot even learn that the case exists: he gets, word for word, what a number nobody has gets.
    const answer = (r: { stdout: string; stderr: string }, number: string) => ({ stdout: r.stdout, stderr: r.stderr.replace(number, "<n>") });
    expect(answer(hidden, n)).toEqual(answer(missing, "999999"));

    const asErin = JSON.parse(erinView.stdout) as ShownCase;
    expect(asErin.contacts).toEqual([{ email: ceo, role: "REQUESTER", portal: false, hidden: false, phone: null }]);
    expect(asErin.stream[0]).toMatchObject({ author: `contact:${ceo}`, body: "Confidential." });

    // The owner sees the case although routing gave it to an agent without access; the view says so.
    const asDana = JSON.parse(danaView.stdout) as ShownCase;
    expect(asDana.contacts[0]!.email).toBe(ceo);
    expect(asDana.routing.explain.join("\n")).toContain(`owner "dana" has no access to the requester's directory "board"`);

    // Without --as: the operator's view, everything, as before.
    expect(operatorView.stdout).toContain(ceo);
    expect(bobList.stdout).not.toContain(`Board matter ${id}`);
    expect(erinList.stdout).toContain(`Board matter ${id}`);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('unknown agent "zed"') });
  }, 300_000);

  it("hides a CC contact of the directory, and what they write, from agents without access", async () => {
    const openingId = await sendMail({ from: opener, to: app.support, cc: ceo, subject: `Open question ${id}`, text: "Asking with Cleo in copy." });
    const c = await caseOf(openingId);
    const n = String(c.number);
    await waitForMail(bob, (m) => m.subject?.includes(`[MC-${c.number}] New case`) ?? false, "new-case notice to bob (open requester)");

    const asBob = await cli(["case", n, "--as", "bob", "--json"]);
    const asErin = await cli(["case", n, "--as", "erin", "--json"]);
    expect(asBob.stdout).not.toContain(ceo);
    expect((JSON.parse(asBob.stdout) as ShownCase).contacts).toEqual([
      { email: opener, role: "REQUESTER", portal: false, hidden: false, phone: null },
      { email: null, role: "CC", portal: false, hidden: true, phone: null },
    ]);
    expect(asErin.stdout).toContain(ceo);

    // The CC answers on the case: erin (access) and dana (owner) hear of it; bob, a follower without access, does not.
    await sendMail({ from: ceo, to: app.support, subject: `Re: Open question ${id}`, inReplyTo: `<${openingId}>`, references: [`<${openingId}>`], text: "Board view: approved." });
    const post = await waitFor(() => db().post.findFirst({ where: { caseId: c.id, authorContact: { email: ceo } } }), "the CC's post");
    await waitFor(async () => (await mailTo(c.id, "erin", "UPDATE")) === 1, "update to erin");
    expect(await mailTo(c.id, "dana", "UPDATE")).toBe(1);
    expect(await mailTo(c.id, "bob", "UPDATE")).toBe(0);
    expect(await db().follower.count({ where: { caseId: c.id, agentId: agentIds.bob! } })).toBe(1);

    const bobAfter = await cli(["case", n, "--as", "bob", "--json"]);
    const erinAfter = await cli(["case", n, "--as", "erin", "--json"]);
    expect((JSON.parse(bobAfter.stdout) as ShownCase).stream.map((p) => p.body)).toEqual(["Asking with Cleo in copy."]);
    expect(bobAfter.stdout).not.toContain(ceo);
    const erinStream = (JSON.parse(erinAfter.stdout) as ShownCase).stream;
    expect(erinStream.map((p) => p.author)).toContain(`contact:${ceo}`);
    expect(post.body).toContain("approved");
  }, 300_000);
});

/**
 * The poller against a misbehaving IMAP server: the folder is deleted and recreated (new UIDVALIDITY, a
 * message reappearing under a new UID), and the server restarts under a live IDLE connection.
 * Nothing may be lost and nothing duplicated.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { ImapFlow } from "imapflow";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LAB_PASSWORD, labConfig, rand, startApp, waitFor, type App } from "../support/harness.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("IMAP under stress", () => {
  const id = rand();
  const folder = `Cases-${id}`;
  const support = `support-${id}@helpdesk.test`;
  let app: App;

  const imap = async <T>(fn: (c: ImapFlow) => Promise<T>): Promise<T> => {
    const c = new ImapFlow({ host: "127.0.0.1", port: 1143, secure: false, auth: { user: support, pass: LAB_PASSWORD }, logger: false });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.logout().catch(() => undefined);
    }
  };
  const message = async (from: string, subject: string, messageId: string): Promise<Buffer> => {
    const t = nodemailer.createTransport({ streamTransport: true, buffer: true });
    const info = await t.sendMail({ from, to: support, subject, text: `${subject}.`, messageId: `<${messageId}>` });
    return info.message as Buffer;
  };

  beforeAll(async () => {
    await imap((c) => c.mailboxCreate(folder));
    app = await startApp(labConfig(id, (doc) => ((doc.mailboxes as Record<string, unknown>[])[0]!.folder = folder)));
  });
  afterAll(async () => app?.close());

  it("rescans after UIDVALIDITY changes, without duplicating a message seen before", async () => {
    const db = app.rt.deps.db;
    const a = await message(`a-${id}@customer.test`, "First message", `a-${id}@customer.test`);
    await imap((c) => c.append(folder, a));
    await waitFor(async () => (await db.case.count()) === 1, "first case");
    // The poller's last step is marking the message \Seen; until then it may hold the folder's lock, and
    // Dovecot refuses to delete a locked folder ("Command failed"), which is not what this test is about.
    await waitFor(
      () =>
        imap(async (c) => {
          const lock = await c.getMailboxLock(folder);
          try {
            const seen = await c.search({ seen: true }, { uid: true });
            return Array.isArray(seen) && seen.length === 1;
          } finally {
            lock.release();
          }
        }),
      "first message marked seen by the poller",
    );
    const before = await db.mailboxCursor.findFirstOrThrow();

    // Another client deletes and recreates the folder: every UID is new, and message A is back.
    // Dovecot refuses DELETE (and, right after it, CREATE or APPEND) with "Command failed" while the poller's
    // session still holds the folder's index lock, e.g. in the middle of a poll: each step is tried again
    // briefly, as any mail client would.
    const retried = async (what: string, step: () => Promise<unknown>) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await step();
        } catch (err) {
          if (attempt >= 8) throw new Error(`${what} ${folder}: ${(err as { responseText?: string }).responseText ?? (err as Error).message}`);
          await new Promise((r) => setTimeout(r, 300));
        }
      }
    };
    // Another client deletes and recreates the folder: every UID is new, and message A is back.
    const b = await message(`b-${id}@customer.test`, "Second message", `b-${id}@customer.test`);
    await imap(async (c) => {
      await retried("DELETE", () => c.mailboxDelete(folder));
      await retried("CREATE", () => c.mailboxCreate(folder));
      await retried("APPEND", () => c.append(folder, a));
      await retried("APPEND", () => c.append(folder, b));
    });
    await waitFor(async () => (await db.case.count()) === 2, "second case after the rescan", 60_000).catch(async (err: Error) => {
      // What the pipeline holds says which stage stopped: nothing stored (the poller), or stored and not filed.
      const inbound = await db.inboundMessage.findMany({ select: { uid: true, uidValidity: true, status: true, messageId: true } });
      const cursor = await db.mailboxCursor.findMany();
      const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? String(x) : x));
      throw new Error(`${err.message}; inbound ${json(inbound)}; cursor ${json(cursor)}`);
    });
    const after = await db.mailboxCursor.findFirstOrThrow();
    expect(after.uidValidity).not.toBe(before.uidValidity);
    expect(await db.inboundMessage.count()).toBe(2);
    expect(await db.case.count({ where: { subject: "First message" } })).toBe(1);
  }, 90_000);

  it("reconnects after the IMAP server restarts and picks up what arrived meanwhile", async () => {
    const db = app.rt.deps.db;
    const labRoot = process.env.MAIL_LAB_ROOT ?? "/var/lib/mailcase-lab";
    execFileSync("doveadm", ["-c", path.join(labRoot, "etc/dovecot.conf"), "stop"]);
    await waitFor(async () => {
      try {
        await imap(async () => undefined);
        return false;
      } catch {
        return true;
      }
    }, "dovecot down");
    execFileSync("bash", [path.join(ROOT, "scripts/mail-lab.sh"), "start"], { stdio: "ignore" });
    await imap(async (c) => c.append(folder, await message(`c-${id}@customer.test`, "Third message", `c-${id}@customer.test`)));
    await waitFor(async () => (await db.case.count({ where: { subject: "Third message" } })) === 1, "case after the restart", 90_000);
    expect(await db.inboundMessage.count()).toBe(3);
  }, 120_000);
});

/**
 * More IMAP faults, each against the real Dovecot: the connection dropping in the middle of a FETCH (a
 * TCP proxy cuts it after a set number of bytes), a message expunged by another client before we fetch
 * it, and the watched folder renamed away and back. Nothing stored may be lost or duplicated, and the
 * poller must come back on its own.
 */
import net from "node:net";
import { ImapFlow } from "imapflow";
import nodemailer from "nodemailer";
import { afterEach, describe, expect, it } from "vitest";
import { LAB_PASSWORD, labConfig, rand, startApp, testEnv, waitFor, type App } from "../support/harness.ts";

/** A loopback proxy to Dovecot that, while armed, cuts a connection once it has sent `cutAfter` bytes to us. */
function cuttingProxy(cutAfter: number): Promise<{ port: number; cuts: () => number; disarm: () => void; close: () => Promise<void> }> {
  let armed = true;
  let cuts = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(1143, "127.0.0.1");
    sockets.add(client).add(upstream);
    let sent = 0;
    upstream.on("data", (chunk: Buffer) => {
      sent += chunk.length;
      if (armed && sent > cutAfter) {
        armed = false;
        cuts++;
        // Half a chunk goes through, then the line dies: the client is mid-literal of a FETCH response.
        client.write(chunk.subarray(0, Math.floor(chunk.length / 2)));
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    client.on("data", (chunk: Buffer) => upstream.write(chunk));
    const end = () => (client.destroy(), upstream.destroy());
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        cuts: () => cuts,
        disarm: () => void (armed = false),
        close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))),
      }),
    ),
  );
}

describe("IMAP faults", () => {
  let app: App | null = null;
  afterEach(async () => {
    await app?.close();
    app = null;
  });

  const imapAs = async <T>(user: string, fn: (c: ImapFlow) => Promise<T>): Promise<T> => {
    const c = new ImapFlow({ host: "127.0.0.1", port: 1143, secure: false, auth: { user, pass: LAB_PASSWORD }, logger: false });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.logout().catch(() => undefined);
    }
  };
  const build = async (from: string, to: string, subject: string, text: string): Promise<Buffer> => {
    const t = nodemailer.createTransport({ streamTransport: true, buffer: true });
    return (await t.sendMail({ from, to, subject, text, messageId: `<${rand()}.${rand()}@customer.test>` })).message as Buffer;
  };

  it("survives the connection dropping in the middle of a fetch: every message once", async () => {
    const id = rand();
    const support = `support-${id}@helpdesk.test`;
    // 30 messages of ~20 KB: one batch fetch of ~600 KB, cut after 150 KB.
    const filler = "The printer makes a noise. ".repeat(750);
    await imapAs(support, async (c) => {
      for (let i = 0; i < 30; i++) await c.append("INBOX", await build(`drop${i}-${id}@customer.test`, support, `Drop ${i}`, `${i}: ${filler}`));
    });
    const proxy = await cuttingProxy(150_000);
    try {
      app = await startApp(labConfig(id, (doc) => (((doc.mailboxes as Record<string, unknown>[])[0]!.imap as Record<string, unknown>).port = proxy.port)));
      const db = app.rt.deps.db;
      await waitFor(async () => (await db.case.count()) === 30, "30 cases after the reconnect", 60_000);
      expect(proxy.cuts()).toBe(1);
      expect(await db.inboundMessage.count()).toBe(30);
      const subjects = (await db.case.findMany({ select: { subject: true } })).map((c) => c.subject).sort();
      expect(new Set(subjects).size).toBe(30);
      const cursor = await db.mailboxCursor.findFirstOrThrow();
      expect(Number(cursor.lastUid)).toBe(30);
    } finally {
      await proxy.close();
    }
  }, 90_000);

  it("skips a message another client expunged before the fetch, and files the rest", async () => {
    const id = rand();
    const support = `support-${id}@helpdesk.test`;
    await imapAs(support, async (c) => {
      for (const n of ["A", "B", "C"]) await c.append("INBOX", await build(`exp${n}-${id}@customer.test`, support, `Expunge ${n}`, n));
      const lock = await c.getMailboxLock("INBOX");
      try {
        await c.messageDelete({ header: { subject: "Expunge B" } });
      } finally {
        lock.release();
      }
    });
    app = await startApp(labConfig(id));
    const db = app.rt.deps.db;
    await waitFor(async () => (await db.case.count()) === 2, "two cases", 30_000);
    expect((await db.case.findMany()).map((c) => c.subject).sort()).toEqual(["Expunge A", "Expunge C"]);
  }, 60_000);

  it("keeps looking for a folder that was renamed away, and picks up its mail when it is back", async () => {
    const id = rand();
    const support = `support-${id}@helpdesk.test`;
    const folder = `Watched-${id}`;
    await imapAs(support, (c) => c.mailboxCreate(folder));
    app = await startApp(
      labConfig(id, (doc) => ((doc.mailboxes as Record<string, unknown>[])[0]!.folder = folder)),
      { env: testEnv({ POLL_INTERVAL_MS: "500" }) },
    );
    const db = app.rt.deps.db;
    await imapAs(support, async (c) => c.append(folder, await build(`ren1-${id}@customer.test`, support, "Before rename", "1")));
    await waitFor(async () => (await db.case.count()) === 1, "first case", 30_000);

    await imapAs(support, (c) => c.mailboxRename(folder, `${folder}-old`));
    // Mail delivered elsewhere meanwhile is not ours; the poller must not crash or give up.
    await new Promise((r) => setTimeout(r, 2_000));
    await imapAs(support, async (c) => {
      await c.mailboxRename(`${folder}-old`, folder);
      await c.append(folder, await build(`ren2-${id}@customer.test`, support, "After rename", "2"));
    });
    await waitFor(async () => (await db.case.count()) === 2, "case after the folder came back", 30_000);
    expect(await db.inboundMessage.count()).toBe(2);
  }, 60_000);
});


/**
 * A connection that goes silent without closing: a NAT or firewall between the poller and the IMAP server
 * forgets the mapping, so the poller's socket stays open while nothing it sends is answered. The poller
 * must notice within IMAP_TIMEOUT_MS and reconnect, not wait out the socket's default of five minutes.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labConfig, rand, sendMail, startApp, testEnv, waitFor, type App } from "../support/harness.ts";

/** A TCP relay to the lab's Dovecot whose open connections can be made to swallow everything, both ways. */
async function silenceableRelay(targetPort: number): Promise<{ port: number; silenceOpen(): number; close(): Promise<void> }> {
  const open = new Set<{ silent: boolean; client: net.Socket; server: net.Socket }>();
  const relay = net.createServer((client) => {
    const server = net.connect(targetPort, "127.0.0.1");
    const pair = { silent: false, client, server };
    open.add(pair);
    client.on("data", (d) => void (pair.silent || server.write(d)));
    server.on("data", (d) => void (pair.silent || client.write(d)));
    const end = () => {
      open.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on("close", end).on("error", end);
    server.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  return {
    port: (relay.address() as net.AddressInfo).port,
    silenceOpen() {
      for (const p of open) p.silent = true;
      return open.size;
    },
    async close() {
      for (const p of open) p.client.destroy();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}

describe("IMAP connection that goes silent", () => {
  const id = rand();
  let app: App;
  let relay: Awaited<ReturnType<typeof silenceableRelay>>;

  beforeAll(async () => {
    relay = await silenceableRelay(1143);
    const cfg = labConfig(id, (doc) => {
      const imap = (doc.mailboxes as { imap: { port: number } }[])[0]!.imap;
      imap.port = relay.port;
    });
    app = await startApp(cfg, { env: testEnv({ IMAP_TIMEOUT_MS: "3000" }) });
  });
  afterAll(async () => {
    await app?.close();
    await relay?.close();
  });

  it("reconnects and files the next message when the server stops answering an open connection", async () => {
    const db = app.rt.deps.db;
    await sendMail({ from: `first-${id}@customer.test`, to: app.support, subject: "Before the silence", text: "One." });
    await waitFor(async () => (await db.case.count()) === 1, "first case");

    expect(relay.silenceOpen()).toBeGreaterThan(0);
    await sendMail({ from: `second-${id}@customer.test`, to: app.support, subject: "During the silence", text: "Two." });
    // The poll after the silence hangs; IMAP_TIMEOUT_MS (3 s) later the poller drops the connection and
    // logs in anew. Far below the five minutes the socket would otherwise wait.
    await waitFor(async () => (await db.case.count({ where: { subject: "During the silence" } })) === 1, "case filed after the reconnect", 25_000);
    expect(await db.inboundMessage.count()).toBe(2);
  }, 60_000);
});

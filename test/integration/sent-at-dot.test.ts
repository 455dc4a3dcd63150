/**
 * When a mail is marked SENT (src/pipeline/send/sent-marks.ts): as its final dot goes to the relay, not after
 * the relay's reply, so a worker killed between the two does not send the mail again; and a relay that
 * refuses after the dot has the mark taken back, so the refusal is settled as before (5xx FAILED, 4xx retried).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSmtpSink, type SmtpSink } from "../../bench/smtp-sink.ts";
import { sendOutbound } from "../../src/pipeline/send/send.service.ts";
import { createTransport, type Transport } from "../../src/pipeline/send/transport.ts";
import { labConfig, rand, startApp, testEnv, waitFor, type App } from "../support/harness.ts";

describe("SENT marked at the final dot", () => {
  const id = rand();
  let app: App;
  let relay: SmtpSink;
  let transport: Transport;
  /** Gives the relay's answer to the final dot it holds; null until it holds one. */
  let answer: ((reply: string) => void) | null = null;
  let n = 0;

  beforeAll(async () => {
    relay = await startSmtpSink({
      reply: () =>
        new Promise<string>((resolve) => {
          answer = resolve;
        }),
    });
    app = await startApp(labConfig(id), { env: testEnv(), roles: [] });
    transport = createTransport({ ...app.rt.env, SMTP_HOST: "127.0.0.1", SMTP_PORT: relay.port, SMTP_SECURE: false });
  });
  afterAll(async () => {
    await transport?.close();
    await app?.close();
    await relay?.close();
  });

  async function row(): Promise<number> {
    n += 1;
    const r = await app.rt.deps.db.outboundMail.create({
      data: {
        dedupeKey: `dot-${id}-${n}`,
        messageId: `dot-${id}-${n}@helpdesk.test`,
        kind: "ACK",
        fromAddress: `support-${id}@helpdesk.test`,
        fromName: "ACME Support",
        toAddress: `customer${n}-${id}@customer.test`,
        subject: `Mail ${n}`,
        text: `Body ${n}`,
        headers: {},
      },
    });
    return r.id;
  }
  const status = async (outboundId: number) => app.rt.deps.db.outboundMail.findUniqueOrThrow({ where: { id: outboundId } });
  /** Starts sending `outboundId` and waits until the relay has its final dot and holds the answer back. */
  async function sendUntilDot(outboundId: number) {
    answer = null;
    const sending = sendOutbound(app.rt.deps, transport, outboundId, false).then(
      (r) => ({ ok: true as const, r }),
      (err: Error) => ({ ok: false as const, err }),
    );
    await waitFor(async () => answer, "the relay to receive the final dot");
    // Wrapped: an async function returning the promise itself would wait for it.
    return { outcome: sending };
  }

  it("is SENT while the relay has yet to answer, and stays SENT once it accepts", async () => {
    const outboundId = await row();
    const sending = await sendUntilDot(outboundId);
    // The relay has the whole message and has said nothing: a worker killed now must not send it again.
    await waitFor(async () => (await status(outboundId)).status === "SENT", "the mark before the relay's answer", 5_000);
    answer!("250 2.0.0 Ok: queued as 1");
    const result = await sending.outcome;
    expect(result).toEqual({ ok: true, r: { kind: "sent", response: "250 2.0.0 Ok: queued as 1" } });
    const after = await status(outboundId);
    expect([after.status, after.attempts, after.sentAt !== null]).toEqual(["SENT", 1, true]);
  });

  it("takes the mark back when the relay refuses after the dot: 5xx fails the mail for good", async () => {
    const outboundId = await row();
    const sending = await sendUntilDot(outboundId);
    await waitFor(async () => (await status(outboundId)).status === "SENT", "the mark at the dot", 5_000);
    answer!("554 5.7.1 Message rejected as spam");
    const result = await sending.outcome;
    expect(result.ok).toBe(false);
    const after = await status(outboundId);
    expect([after.status, after.attempts, after.sentAt]).toEqual(["FAILED", 1, null]);
    expect(after.lastError).toContain("554 5.7.1 Message rejected as spam");
  });

  it("takes the mark back when the relay defers after the dot: 4xx leaves the mail for the retry", async () => {
    const outboundId = await row();
    const sending = await sendUntilDot(outboundId);
    await waitFor(async () => (await status(outboundId)).status === "SENT", "the mark at the dot", 5_000);
    answer!("451 4.3.0 Try again later");
    expect((await sending.outcome).ok).toBe(false);
    const after = await status(outboundId);
    expect([after.status, after.attempts, after.sentAt, after.claimedAt]).toEqual(["PENDING", 1, null, null]);
    // The retry sends it, once.
    const retry = await sendUntilDot(outboundId);
    answer!("250 2.0.0 Ok");
    expect((await retry.outcome).ok).toBe(true);
    expect((await status(outboundId)).status).toBe("SENT");
    expect((await status(outboundId)).attempts).toBe(2);
  });
});

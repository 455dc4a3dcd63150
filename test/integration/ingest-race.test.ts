/**
 * Two workers on the same stored message at once (a stalled job's retry overlapping the original, a sweeper
 * re-enqueue): the customer path takes no lock of its own, so exactly-once filing rests on the unique
 * Post.inboundId and on quarantining only a PENDING row. Whatever interleaving the race takes, one worker
 * files the message and the others report it as already done; nothing is filed twice and no error escapes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestMessage } from "../../src/pipeline/ingest/ingest.service.ts";
import { storeRaw } from "../../src/pipeline/poll/store-raw.ts";
import { labConfig, rand, startApp, type App } from "../support/harness.ts";

const WORKERS = 4;

describe("ingest race on one message", () => {
  const id = rand();
  let app: App;
  let uid = 0n;
  beforeAll(async () => {
    // No poller and no workers: the test is the only one to ingest.
    app = await startApp(labConfig(id), { roles: [] });
  });
  afterAll(async () => app?.close());

  async function store(headers: string, body = "Hello"): Promise<number> {
    const mailbox = await app.rt.deps.db.mailbox.findFirstOrThrow();
    uid += 1n;
    const raw = Buffer.from(`${headers}\r\nTo: ${app.support}\r\nDate: Thu, 03 Dec 2026 06:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`);
    const stored = await storeRaw(app.rt.deps.db, { mailboxId: mailbox.id, folder: "INBOX", uidValidity: 1n, uid }, raw);
    if (stored.kind !== "stored") throw new Error("not stored");
    return stored.inboundId;
  }

  const race = (inboundId: number) => Promise.all(Array.from({ length: WORKERS }, () => ingestMessage(app.rt.deps, inboundId)));

  it("opens one case for a new message raced by several workers", async () => {
    const db = app.rt.deps.db;
    for (let i = 0; i < 5; i++) {
      const inboundId = await store(`From: Ana <ana-${i}-${id}@customer.test>\r\nSubject: Printer ${i}\r\nMessage-ID: <new-${i}-${id}@customer.test>`);
      const outcomes = await race(inboundId);
      expect(outcomes.filter((o) => o.kind === "case-created")).toHaveLength(1);
      expect(outcomes.filter((o) => o.kind === "already-done")).toHaveLength(WORKERS - 1);
      expect(await db.post.count({ where: { inboundId } })).toBe(1);
      expect(await db.case.count({ where: { subject: `Printer ${i}` } })).toBe(1);
      expect((await db.inboundMessage.findUniqueOrThrow({ where: { id: inboundId } })).status).toBe("PROCESSED");
    }
  });

  it("adds one post for a reply raced by several workers", async () => {
    const db = app.rt.deps.db;
    const first = await store(`From: Bo <bo-${id}@customer.test>\r\nSubject: Scanner\r\nMessage-ID: <scan-${id}@customer.test>`);
    await ingestMessage(app.rt.deps, first);
    const reply = await store(`From: Bo <bo-${id}@customer.test>\r\nSubject: Re: Scanner\r\nMessage-ID: <scan-re-${id}@customer.test>\r\nIn-Reply-To: <scan-${id}@customer.test>`, "Still broken");
    const outcomes = await race(reply);
    expect(outcomes.filter((o) => o.kind === "post-added")).toHaveLength(1);
    expect(await db.post.count({ where: { inboundId: reply } })).toBe(1);
    expect(await db.case.count({ where: { subject: "Scanner" } })).toBe(1);
  });

  it("quarantines an auto-reply that matches no case once", async () => {
    const db = app.rt.deps.db;
    const inboundId = await store(`From: Cy <cy-${id}@customer.test>\r\nSubject: Out of office\r\nMessage-ID: <ooo-${id}@customer.test>\r\nAuto-Submitted: auto-replied`);
    const outcomes = await race(inboundId);
    expect(outcomes.filter((o) => o.kind === "quarantined")).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === "already-done")).toHaveLength(WORKERS - 1);
    expect((await db.inboundMessage.findUniqueOrThrow({ where: { id: inboundId } })).status).toBe("QUARANTINED");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunkBySize } from "../../src/pipeline/poll/imap-poller.ts";
import { storeRaw, storeRawBatch } from "../../src/pipeline/poll/store-raw.ts";
import { labConfig, rand, startApp, type App } from "../support/harness.ts";

const mail = (messageId: string, body: string): Buffer => Buffer.from(`Message-ID: <${messageId}>\r\nFrom: a@customer.test\r\nSubject: s\r\n\r\n${body}\r\n`);

describe("storeRawBatch (one INSERT per IMAP fetch)", () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp(labConfig(rand()), { roles: [] });
  });
  afterAll(async () => app.close());

  it("stores new messages, and reports a re-fetch, a Message-ID seen under another UID and a repeat inside the batch as duplicates of the stored row", async () => {
    const db = app.rt.deps.db;
    const mailbox = await db.mailbox.findFirstOrThrow();
    const at = { mailboxId: mailbox.id, folder: "INBOX", uidValidity: 7n };
    const earlier = await storeRaw(db, { ...at, uid: 1n }, mail("one@x", "first"));
    expect(earlier.kind).toBe("stored");
    const results = await storeRawBatch(db, at, [
      { uid: 1n, raw: mail("one@x", "first"), oversizeBytes: null }, // re-fetch after a crash
      { uid: 2n, raw: mail("two@x", "second"), oversizeBytes: null },
      { uid: 3n, raw: mail("one@x", "copy"), oversizeBytes: null }, // same Message-ID, another UID
      { uid: 4n, raw: mail("two@x", "again"), oversizeBytes: null }, // repeat of uid 2 in this batch
      { uid: 5n, raw: Buffer.from("Subject: big\r\n\r\n"), oversizeBytes: 99_000_000 },
    ]);
    const stored2 = results[1]!;
    expect(stored2.kind).toBe("stored");
    expect(results[0]).toEqual({ kind: "duplicate", inboundId: earlier.inboundId, status: "PENDING" });
    expect(results[2]).toEqual({ kind: "duplicate", inboundId: earlier.inboundId, status: "PENDING" });
    expect(results[3]).toEqual({ kind: "duplicate", inboundId: stored2.inboundId, status: "PENDING" });
    expect(results[4]!.kind).toBe("stored");
    const rows = await db.inboundMessage.findMany({ where: { mailboxId: mailbox.id }, orderBy: { uid: "asc" }, select: { uid: true, messageId: true, size: true, oversizeBytes: true } });
    expect(rows.map((r) => [r.uid, r.messageId])).toEqual([[1n, "one@x"], [2n, "two@x"], [5n, expect.stringMatching(/@mailcase\.invalid$/)]]);
    expect(rows[2]).toMatchObject({ size: 99_000_000, oversizeBytes: 99_000_000 });
    expect(await storeRawBatch(db, at, [])).toEqual([]);
  });

  it("chunks a fetch by size: at most the cap per chunk, a message over it alone, order kept", () => {
    const sizes = [3, 3, 3, 10, 1, 1];
    expect(chunkBySize(sizes, (n) => n, 6)).toEqual([[3, 3], [3], [10], [1, 1]]);
    expect(chunkBySize([], (n: number) => n, 6)).toEqual([]);
  });
});

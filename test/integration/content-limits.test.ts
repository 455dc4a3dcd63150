/**
 * Size cap and attachments, through SMTP → Dovecot → poller → ingest: a message over the cap is never
 * downloaded whole, is quarantined with its header kept, and its sender is told exactly once; files are
 * stored once by content hash however many messages carry them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inbox, labConfig, rand, sendMail, startApp, testEnv, waitFor, waitForMail, type App } from "../support/harness.ts";

describe("content limits and attachments", () => {
  const id = rand();
  let app: App;
  beforeAll(async () => {
    app = await startApp(labConfig(id), { env: testEnv({ MAILCASE_MAX_MESSAGE_BYTES: "200000" }) });
  });
  afterAll(async () => app?.close());

  it("quarantines a message over the size cap with its header, and tells the sender once", async () => {
    const db = app.rt.deps.db;
    const sender = `big-${id}@customer.test`;
    const messageId = await sendMail({
      from: `"Bea Big" <${sender}>`,
      to: app.support,
      subject: "Scan of the broken printer",
      text: "See the attached scan.",
      attachments: [{ filename: "scan.bin", content: Buffer.alloc(300_000, 7) }],
    });
    const row = await waitFor(() => db.inboundMessage.findFirst({ where: { messageId, status: "QUARANTINED" } }), "quarantined oversize message");
    expect(row.reason).toMatch(/^too large: 0\.\d MiB over the 0\.2 MiB cap; only the header was kept; the sender was told$/);
    expect(row.size).toBeGreaterThan(300_000);
    expect(row.raw.length).toBeLessThan(8_000);
    expect(Buffer.from(row.raw).toString("latin1")).toContain("Subject: Scan of the broken printer");
    expect(await db.case.count()).toBe(0);

    const notice = await waitForMail(sender, (m) => m.subject?.includes("too large") ?? false, "size notice");
    expect(notice.subject).toBe("Your message was too large: Scan of the broken printer");
    expect(notice.text).toContain("0.2 MiB");
    expect(notice.inReplyTo).toBe(`<${messageId}>`);
    expect(notice.headers.get("auto-submitted")).toBe("auto-replied");

    // Retrying the quarantined message (the operator's path) must not tell the sender again.
    await db.inboundMessage.update({ where: { id: row.id }, data: { status: "PENDING" } });
    const { ingestMessage } = await import("../../src/pipeline/ingest/ingest.service.ts");
    await ingestMessage(app.rt.deps, row.id);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await inbox(sender)).filter((m) => m.subject?.includes("too large"))).toHaveLength(1);
    expect(await db.outboundMail.count({ where: { kind: "NOTICE" } })).toBe(1);
  });

  it("stores a file carried by two messages once, and links it to both posts", async () => {
    const db = app.rt.deps.db;
    const pdf = Buffer.from(`%PDF-1.4 invoice ${id}\n`.repeat(200));
    for (const n of [1, 2]) {
      await sendMail({
        from: `inv${n}-${id}@customer.test`,
        to: app.support,
        subject: `Invoice question ${n}`,
        text: "Please check the attached invoice.",
        attachments: [{ filename: "faktura-č.1.pdf", content: pdf, contentType: "application/pdf" }],
      });
    }
    await waitFor(async () => (await db.postAttachment.count()) === 2, "two attachments");
    expect(await db.blob.count()).toBe(1);
    const atts = await db.postAttachment.findMany({ include: { blob: true } });
    expect(atts.map((a) => a.filename)).toEqual(["faktura-č.1.pdf", "faktura-č.1.pdf"]);
    expect(new Set(atts.map((a) => a.postId)).size).toBe(2);
    expect(Buffer.from(atts[0]!.blob.data).equals(pdf)).toBe(true);
  });
});

describe("parse time budget", () => {
  const id = rand();
  let app: App;
  beforeAll(async () => {
    app = await startApp(labConfig(id), { env: testEnv({ MAILCASE_PARSE_TIMEOUT_MS: "300" }) });
  });
  afterAll(async () => app?.close());

  it("quarantines a message that takes too long to parse, and the pipeline keeps going", async () => {
    const db = app.rt.deps.db;
    // A dozen HTML tables just under the HTML-to-text cap: seconds of html-to-text work (~10 MB).
    const table = `<table>${"<tr><td>a</td><td>b</td></tr>".repeat(34_000)}</table>`;
    const bombId = await sendMail({
      from: `tables-${id}@customer.test`,
      to: app.support,
      subject: "Quarterly tables",
      text: "see tables",
      attachments: Array.from({ length: 12 }, (_, i) => ({ filename: `t${i}.html`, content: table, contentType: "text/html", contentDisposition: "inline" as const })),
    });
    const normalId = await sendMail({ from: `normal-${id}@customer.test`, to: app.support, subject: "Printer jam", text: "The printer jams." });
    const bomb = await waitFor(() => db.inboundMessage.findFirst({ where: { messageId: bombId, status: { not: "PENDING" } } }), "bomb processed", 60_000);
    expect(bomb.status).toBe("QUARANTINED");
    expect(bomb.reason).toMatch(/^parse budget exceeded: no result after \d+ ms/);
    expect(bomb.raw.length).toBeGreaterThan(10_000_000);
    await waitFor(() => db.case.findFirst({ where: { subject: "Printer jam" } }), "the next message's case", 30_000);
    expect(await db.inboundMessage.count({ where: { messageId: normalId, status: "PROCESSED" } })).toBe(1);
  }, 90_000);
});

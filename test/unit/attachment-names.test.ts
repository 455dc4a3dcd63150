import { describe, expect, it } from "vitest";
import { parseMessage } from "../../src/parsing/parse-message.ts";
import { MAX_FILENAME_BYTES, safeFilename } from "../../src/parsing/safe-filename.ts";

describe("safeFilename", () => {
  it.each([
    ["a plain name", "Faktura 2026-11.pdf", "Faktura 2026-11.pdf"],
    ["a Czech name", "Zpráva o chybě.docx", "Zpráva o chybě.docx"],
    ["a Chinese name", "发票.pdf", "发票.pdf"],
    ["a relative path", "../../etc/passwd", "passwd"],
    ["a Windows path", "C:\\Users\\jan\\report.xlsx", "report.xlsx"],
    ["dot-dot alone", "..", "attachment"],
    ["a hidden file", ".htaccess", "htaccess"],
    ["a header injection", "invoice.pdf\r\nX-Evil: 1", "invoice.pdf X-Evil_ 1"],
    ["a right-to-left override", "report\u202Efdp.exe", "reportfdp.exe"],
    ["control characters", "a\u0000b\u0007c.txt", "abc.txt"],
    ["Windows-reserved characters", 'what?<now>|"ok".txt', "what__now___ok_.txt"],
    ["a device name", "CON", "_CON"],
    ["a device name with extension", "nul.txt", "_nul.txt"],
    ["trailing dots and spaces", "notes.txt. . ", "notes.txt"],
    ["only spaces", "   ", "attachment"],
    ["nothing", null, "attachment"],
  ])("%s", (_, input, want) => {
    expect(safeFilename(input)).toBe(want);
  });

  it("shortens long names to the byte limit without splitting a character, keeping the extension", () => {
    const long = safeFilename(`${"Příliš žluťoučký kůň ".repeat(30)}.pdf`);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(MAX_FILENAME_BYTES);
    expect(long.endsWith(".pdf")).toBe(true);
    expect(long).not.toContain("\uFFFD");
    expect(safeFilename(`${"发".repeat(200)}.docx`).endsWith(".docx")).toBe(true);
  });

  it("takes a caller's fallback", () => {
    expect(safeFilename("../", "scan.bin")).toBe("scan.bin");
  });
});

const raw = (lines: string[]): Buffer => Buffer.from(lines.join("\r\n"), "utf8");

describe("parseMessage: attachment names and named inline text parts", () => {
  it("makes a sender's file name safe and keeps the original for display", async () => {
    const msg = await parseMessage(
      raw([
        "From: a@customer.test",
        "Subject: scan",
        'Content-Type: multipart/mixed; boundary="b"',
        "",
        "--b",
        "Content-Type: text/plain",
        "",
        "See the scan.",
        "--b",
        "Content-Type: application/pdf",
        'Content-Disposition: attachment; filename="../../srv/portal/index.pdf"',
        "Content-Transfer-Encoding: base64",
        "",
        Buffer.from("%PDF-1.4").toString("base64"),
        "--b--",
        "",
      ]),
    );
    expect(msg.attachments.map((a) => [a.filename, a.originalFilename])).toEqual([["index.pdf", "../../srv/portal/index.pdf"]]);
  });

  it("keeps a named inline text part as an attachment and out of the body when there is other text", async () => {
    const msg = await parseMessage(
      raw([
        "From: a@customer.test",
        "Subject: log",
        'Content-Type: multipart/mixed; boundary="b"',
        "",
        "--b",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Hello, the log is attached.",
        "--b",
        'Content-Type: text/plain; charset=utf-8; name="server.log"',
        'Content-Disposition: inline; filename="server.log"',
        "",
        "ERROR disk full",
        "--b--",
        "",
      ]),
    );
    expect(msg.text.trim()).toBe("Hello, the log is attached.");
    expect(msg.attachments.map((a) => [a.filename, a.contentType, a.content.toString().trim()])).toEqual([["server.log", "text/plain", "ERROR disk full"]]);
  });

  it("keeps a named inline text part that is the only text as the body and as the attachment", async () => {
    const msg = await parseMessage(raw(["From: a@customer.test", "Subject: csv", "Content-Type: text/plain; charset=utf-8", 'Content-Disposition: inline; filename="orders.csv"', "", "id;qty", "1;4", ""]));
    expect(msg.text.trim()).toBe("id;qty\n1;4");
    expect(msg.attachments.map((a) => a.filename)).toEqual(["orders.csv"]);
  });

  it("leaves an inline text part without a name in the body", async () => {
    const msg = await parseMessage(raw(["From: a@customer.test", "Subject: x", "Content-Type: text/plain", "Content-Disposition: inline", "", "Just text.", ""]));
    expect(msg.attachments).toEqual([]);
    expect(msg.text.trim()).toBe("Just text.");
  });
});

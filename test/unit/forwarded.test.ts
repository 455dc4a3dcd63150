import { describe, expect, it } from "vitest";
import { extractForwarded, parseInlineForward, parseQuotedAddress } from "../../src/parsing/forwarded.ts";
import { parseMessage } from "../../src/parsing/parse-message.ts";

describe("forwarded customer mail", () => {
  it("reads a Gmail-style inline forward", () => {
    const text = [
      "#forward",
      "",
      "---------- Forwarded message ---------",
      "From: Jana Nováková <Jana@Example.cz>",
      "Date: Mon, 30 Nov 2026 at 10:15",
      "Subject: Tiskárna nefunguje",
      "To: Alice <alice@helpdesk.test>",
      "",
      "Dobrý den,",
      "tiskárna ve 3. patře nefunguje.",
    ].join("\n");
    expect(parseInlineForward(text)).toEqual({
      from: { address: "jana@example.cz", name: "Jana Nováková" },
      subject: "Tiskárna nefunguje",
      date: "Mon, 30 Nov 2026 at 10:15",
      to: [{ address: "alice@helpdesk.test", name: "Alice" }],
      body: "Dobrý den,\ntiskárna ve 3. patře nefunguje.",
    });
  });

  it("reads an Outlook block without a separator, in Polish, with a mailto address", () => {
    const text = "#forward\n\nOd: Jan Kowalski [mailto:jan@example.pl]\nWysłano: poniedziałek\nDo: alice@helpdesk.test\nTemat: Faktura\n\nProszę o fakturę.";
    const f = parseInlineForward(text);
    expect(f).toMatchObject({ from: { address: "jan@example.pl", name: "Jan Kowalski" }, subject: "Faktura", body: "Proszę o fakturę." });
  });

  it("finds nothing in a mail that forwards nothing", () => {
    expect(parseInlineForward("#forward\n\nplease file this")).toBeNull();
    expect(parseQuotedAddress("no address here")).toBeNull();
  });

  it("prefers an attached original, with its own Message-ID and references", async () => {
    const original = "From: Jana <jana@example.cz>\r\nTo: alice@helpdesk.test\r\nSubject: Re: [MC-7] Printer\r\nMessage-ID: <orig-1@example.cz>\r\nReferences: <mc.ack.7.1.c1@helpdesk.test>\r\n\r\nStill broken.\r\n";
    const outer = [
      "From: Alice <alice@helpdesk.test>",
      "To: support@helpdesk.test",
      "Subject: Fwd: Re: [MC-7] Printer",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="b"',
      "",
      "--b",
      "Content-Type: text/plain",
      "",
      "#forward",
      "--b",
      "Content-Type: message/rfc822",
      "",
      original,
      "--b--",
      "",
    ].join("\r\n");
    const msg = await parseMessage(Buffer.from(outer));
    const f = await extractForwarded(msg, parseMessage);
    expect(f).toMatchObject({ messageId: "orig-1@example.cz", subject: "Re: [MC-7] Printer", from: { address: "jana@example.cz" }, references: ["mc.ack.7.1.c1@helpdesk.test"] });
    expect(f!.text.trim()).toBe("Still broken.");
  });
});

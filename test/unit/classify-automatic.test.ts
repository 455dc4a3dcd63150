import { describe, expect, it } from "vitest";
import { classifyMessage } from "../../src/parsing/automatic/classify.ts";
import { parseMessage } from "../../src/parsing/parse-message.ts";

const mail = (headers: string, body = "Hello,\r\nplease help.\r\n") => parseMessage(Buffer.from(`${headers}\r\n\r\n${body}`));

describe("classifyMessage", () => {
  it("treats Auto-Submitted: no as a person (RFC 3834)", async () => {
    const c = classifyMessage(await mail("From: jan@example.cz\r\nSubject: Help\r\nAuto-Submitted: no"));
    expect(c.kind).toBe("human");
  });

  it.each([
    ["Auto-Submitted: auto-replied", "auto-reply"],
    ["X-Autoreply: yes", "auto-reply"],
    ["Precedence: auto_reply", "auto-reply"],
    ["Precedence: bulk", "bulk"],
    ["List-Id: <news.example.com>", "bulk"],
  ])("classifies %s as %s", async (header, kind) => {
    expect(classifyMessage(await mail(`From: x@example.com\r\nSubject: Hi\r\n${header}`)).kind).toBe(kind);
  });

  it.each(["Automatická odpověď: Dotaz", "Automatyczna odpowiedź: pytanie", "自动回复: 问题", "Out of Office: question", "Abwesenheitsnotiz: Frage"])(
    "recognises the out-of-office subject %s",
    async (subject) => {
      expect(classifyMessage(await mail(`From: x@example.com\r\nSubject: =?UTF-8?B?${Buffer.from(subject).toString("base64")}?=`)).kind).toBe("auto-reply");
    },
  );

  it("extracts the failed recipient and status from a DSN", async () => {
    const raw = [
      "From: MAILER-DAEMON@mx.example.com",
      "To: support@helpdesk.test",
      "Subject: Undelivered Mail Returned to Sender",
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
      "",
      "--b",
      "Content-Type: text/plain",
      "",
      "I'm sorry to have to inform you that your message could not be delivered.",
      "--b",
      "Content-Type: message/delivery-status",
      "",
      "Reporting-MTA: dns; mx.example.com",
      "",
      "Final-Recipient: rfc822; gone@example.org",
      "Action: failed",
      "Status: 5.1.1",
      "Diagnostic-Code: smtp; 550 5.1.1 User unknown",
      "--b",
      "Content-Type: text/rfc822-headers",
      "",
      "Message-ID: <mc.ack.7.9.c3@helpdesk.test>",
      "To: gone@example.org",
      "--b--",
      "",
    ].join("\r\n");
    const c = classifyMessage(await parseMessage(Buffer.from(raw)));
    expect(c.kind).toBe("bounce");
    expect(c.bounce?.recipients).toHaveLength(1);
    expect(c.bounce?.recipients[0]).toMatchObject({ address: "gone@example.org", status: "5.1.1", action: "failed" });
    expect(c.bounce?.recipients[0]?.diagnostic).toContain("550 5.1.1 User unknown");
    expect(c.bounce?.originalMessageId).toBe("mc.ack.7.9.c3@helpdesk.test");
  });

  it("does not take a customer who writes about an undelivered mail for a bounce", async () => {
    const c = classifyMessage(await mail("From: jan@example.cz\r\nSubject: Mail delivery failed?", "My email could not be delivered to boss@example.cz, why?\r\n"));
    expect(c.kind).toBe("human");
  });
});

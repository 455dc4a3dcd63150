import { describe, expect, it } from "vitest";
import { classifyMessage } from "../../src/parsing/automatic/classify.ts";
import { parseMessage } from "../../src/parsing/parse-message.ts";

const crlf = (lines: string[]): Buffer => Buffer.from(lines.join("\r\n"), "utf8");
const mail = (headers: string, body = "Hello,\r\nplease help.\r\n") => parseMessage(Buffer.from(`${headers}\r\n\r\n${body}`));

/** A DSN of one of our own mails (sent from support+token@ with our Message-ID), with a chosen From. */
function dsn(from: string | null, groups: string[][]): Buffer {
  return crlf([
    ...(from === null ? [] : [`From: ${from}`]),
    "To: support+c12a3vpxyz@helpdesk.test",
    "Return-Path: <>",
    "Subject: Delivery Status Notification (Failure)",
    'Content-Type: multipart/report; report-type=delivery-status; boundary="r"',
    "",
    "--r",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Your message could not be delivered to some recipients.",
    "--r",
    "Content-Type: message/delivery-status",
    "",
    "Reporting-MTA: dns; mx.example.net",
    "",
    ...groups.flatMap((g) => [...g, ""]),
    "--r",
    "Content-Type: text/rfc822-headers",
    "",
    "From: ACME Support <support@helpdesk.test>",
    "Reply-To: support+c12a3vpxyz@helpdesk.test",
    "To: ana@customer.test, bo@customer.test",
    "Message-ID: <out-42@helpdesk.test>",
    "In-Reply-To: <in-41@customer.test>",
    "Subject: [MC-12] Your printer",
    "",
    "--r--",
    "",
  ]);
}

const ONE = [["Final-Recipient: rfc822; ana@customer.test", "Action: failed", "Status: 5.1.1", "Diagnostic-Code: smtp; 550 5.1.1 No such user"]];

describe("bounces without a usable sender", () => {
  it.each([
    ["null sender <>", "<>"],
    ["MAILER-DAEMON without a domain", "MAILER-DAEMON"],
    ["postmaster without a domain", "postmaster"],
    ["no From header at all", null],
  ])("a DSN from %s is a bounce tied to our message", async (_, from) => {
    const c = classifyMessage(await parseMessage(dsn(from, ONE)));
    expect(c.kind).toBe("bounce");
    expect(c.bounce?.recipients.map((r) => [r.address, r.status])).toEqual([["ana@customer.test", "5.1.1"]]);
    expect(c.bounce?.originalMessageId).toBe("out-42@helpdesk.test");
    expect(c.bounce?.references.messageIds).toEqual(["out-42@helpdesk.test", "in-41@customer.test"]);
    expect(c.bounce?.references.tokenAddresses).toContain("support+c12a3vpxyz@helpdesk.test");
  });

  it("a text bounce from a bare MAILER-DAEMON is a bounce too", async () => {
    const c = classifyMessage(await mail("From: MAILER-DAEMON\r\nReturn-Path: <>\r\nSubject: Undelivered Mail Returned to Sender", "This is the mail system.\r\n\r\n<ana@customer.test>: host mx said: 550 5.1.1 unknown user\r\n"));
    expect(c.kind).toBe("bounce");
    expect(c.bounce?.recipients[0]?.address).toBe("ana@customer.test");
  });

  it("a person writing from postmaster@ without bounce traits stays a person", async () => {
    expect(classifyMessage(await mail("From: postmaster@customer.test\r\nSubject: Your server is on a blocklist")).kind).toBe("human");
  });
});

describe("DSNs with several recipients", () => {
  it("reports every failed recipient with its own status, taken from the stage that failed", async () => {
    const c = classifyMessage(
      await parseMessage(
        dsn("MAILER-DAEMON@mx.example.net", [
          ["Final-Recipient: rfc822; ana@customer.test", "Action: failed", "Status: 5.1.1", "Diagnostic-Code: smtp; 550 5.1.1 No such user"],
          ["Final-Recipient: rfc822; bo@customer.test", "Action: delayed", "Diagnostic-Code: smtp; 250 2.1.5 Recipient ok; 451 4.3.0 Temporary failure after DATA"],
          ["Final-Recipient: rfc822; cy@customer.test", "Action: failed", "Status: 5.2.2", "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full"],
        ]),
      ),
    );
    expect(c.bounce?.recipients.map((r) => [r.address, r.status, r.action])).toEqual([
      ["ana@customer.test", "5.1.1", "failed"],
      ["bo@customer.test", "4.3.0", "delayed"],
      ["cy@customer.test", "5.2.2", "failed"],
    ]);
  });
});

describe("out-of-office and notification senders", () => {
  it.each([
    ["he", "מענה אוטומטי: הזמנה 42"],
    ["ar", "رد تلقائي: الطلب 42"],
    ["ja", "不在通知: 注文 42"],
    ["it", "Fuori ufficio: ordine 42"],
    ["sv", "Frånvaromeddelande: order 42"],
    ["en, alone", "Out of Office"],
  ])("recognises the %s out-of-office subject", async (_, subject) => {
    const c = classifyMessage(await mail(`From: x@example.com\r\nSubject: =?UTF-8?B?${Buffer.from(subject).toString("base64")}?=`));
    expect(c.kind).toBe("auto-reply");
  });

  it("recognises an out-of-office body with Exchange's auto-response header, but not the same sentence from a person", async () => {
    const body = "Dobrý den,\r\njsem mimo kancelář do 14. listopadu. V naléhavých případech volejte kolegyni.\r\n";
    expect(classifyMessage(await mail("From: petr@customer.test\r\nSubject: RE: Objednávka\r\nX-Auto-Response-Suppress: All", body)).kind).toBe("auto-reply");
    expect(classifyMessage(await mail("From: petr@customer.test\r\nSubject: RE: Objednávka", body)).kind).toBe("human");
  });

  it.each(["noreply@shop.test", "no-reply@payments.test", "do-not-reply@bank.test", "notifications@saas.test", "invoice+statements@stripe.test"])(
    "never treats mail from %s as a person's",
    async (from) => {
      expect(classifyMessage(await mail(`From: Payments <${from}>\r\nSubject: Your receipt`)).kind).not.toBe("human");
    },
  );

  it("keeps a person who writes about a failed delivery a person", async () => {
    expect(classifyMessage(await mail("From: ana@customer.test\r\nSubject: Fwd: Undelivered Mail Returned to Sender")).kind).toBe("human");
  });
});

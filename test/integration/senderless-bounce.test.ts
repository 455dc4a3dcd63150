/**
 * A delivery report with a null sender (no From, envelope `<>`) or a bare `MAILER-DAEMON` is a bounce: filed on
 * the case of the mail it returns (by the returned Message-ID, or by the reply token in an address), the failed
 * recipient marked so nobody mails it again, the owner told; a report that matches none of our mails is
 * quarantined. The operator clears a bouncing address with `mailcase contact clear-bounce`.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_DATABASE_URL } from "../support/global-setup.ts";
import { inbox, labConfig, rand, sendMail, startApp, waitFor, waitForMail, type App } from "../support/harness.ts";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");

/** A DSN as a remote MTA writes it, returning the message `returnedId` sent to `failed`. */
function dsn(opts: { from: string | null; to: string; failed: string; status: string; action: string; returnedId: string }): string {
  const b = `b${rand()}`;
  return [
    ...(opts.from ? [`From: ${opts.from}`] : []),
    `To: ${opts.to}`,
    "Subject: Undelivered Mail Returned to Sender",
    `Message-ID: <dsn-${rand()}@mx.remote.test>`,
    "Auto-Submitted: auto-replied",
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${b}"`,
    "MIME-Version: 1.0",
    "",
    `--${b}`,
    "Content-Type: text/plain; charset=us-ascii",
    "",
    "I'm sorry to have to inform you that your message could not be delivered.",
    "",
    `--${b}`,
    "Content-Type: message/delivery-status",
    "",
    "Reporting-MTA: dns; mx.remote.test",
    "",
    `Final-Recipient: rfc822; ${opts.failed}`,
    `Action: ${opts.action}`,
    `Status: ${opts.status}`,
    `Diagnostic-Code: smtp; 550 ${opts.status} user unknown`,
    "",
    `--${b}`,
    "Content-Type: text/rfc822-headers",
    "",
    `Message-ID: <${opts.returnedId}>`,
    `To: ${opts.failed}`,
    "Subject: Re: something",
    "",
    `--${b}--`,
    "",
  ].join("\r\n");
}

describe("senderless bounces", () => {
  const id = rand();
  let app: App;
  const cli = (args: string[]) =>
    run(process.execPath, [path.join(ROOT, "bin/mailcase.mjs"), ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, MAILCASE_REDIS_PREFIX: app.rt.env.MAILCASE_REDIS_PREFIX, LOG_LEVEL: "silent" },
    });
  beforeAll(async () => {
    app = await startApp(labConfig(id));
  });
  afterAll(async () => app?.close());

  it("files a null-sender bounce of our acknowledgement on its case, marks the address, tells the owner; the operator clears it", async () => {
    const db = app.rt.deps.db;
    const customer = `vip-${id}@customer.test`;
    await sendMail({ from: customer, to: app.support, subject: "Printer jam", text: "The printer jams." });
    const c = await waitFor(() => db.case.findFirst({ where: { subject: "Printer jam" } }), "case");
    const ack = await waitFor(() => db.outboundMail.findFirst({ where: { caseId: c.id, kind: "ACK", status: "SENT" } }), "acknowledgement sent");
    // Null envelope sender and no From header at all: what some MTAs send.
    await sendMail({ envelope: { from: "", to: [app.support] }, raw: dsn({ from: null, to: app.support, failed: customer, status: "5.1.1", action: "failed", returnedId: ack.messageId }) });
    const post = await waitFor(() => db.post.findFirst({ where: { caseId: c.id, threadRule: "bounced-original" } }), "bounce filed on the case", 60_000);
    expect(post.visibility).toBe("INTERNAL");
    expect(post.body).toContain(`${customer}: failed 5.1.1`);
    expect((await db.contact.findUniqueOrThrow({ where: { email: customer } })).bouncing).toBe(true);
    expect(await db.caseEvent.count({ where: { caseId: c.id, type: "contact.bouncing" } })).toBe(1);
    // The owner (alice, VIP group) hears of it through the ordinary notification of the internal post.
    await waitForMail(`alice-${id}@helpdesk.test`, (m) => m.text?.includes(`${customer}: failed 5.1.1`) ?? false, "owner told of the bounce", 60_000);
    expect(await db.case.count()).toBe(1);

    const cleared = await cli(["contact", "clear-bounce", customer]);
    expect(cleared.stdout).toContain("cleared");
    expect((await db.contact.findUniqueOrThrow({ where: { email: customer } })).bouncing).toBe(false);
  }, 120_000);

  it("ties a bare MAILER-DAEMON bounce to its case by the returned message's id", async () => {
    const db = app.rt.deps.db;
    const customer = `sam-${id}@customer.test`;
    await sendMail({ from: customer, to: app.support, subject: "Wifi slow", text: "The wifi is slow." });
    const c = await waitFor(() => db.case.findFirst({ where: { subject: "Wifi slow" } }), "case");
    const ack = await waitFor(() => db.outboundMail.findFirst({ where: { caseId: c.id, kind: "ACK" } }), "acknowledgement written");
    await sendMail({ envelope: { from: "", to: [app.support] }, raw: dsn({ from: "MAILER-DAEMON", to: app.support, failed: customer, status: "5.2.2", action: "failed", returnedId: ack.messageId }) });
    await waitFor(() => db.post.findFirst({ where: { caseId: c.id, threadRule: "bounced-original" } }), "bounce filed", 60_000);
    expect((await db.contact.findUniqueOrThrow({ where: { email: customer } })).bouncing).toBe(true);
  }, 120_000);

  it("quarantines a senderless bounce that matches none of our mails, and marks nobody", async () => {
    const db = app.rt.deps.db;
    const victim = `victim-${id}@customer.test`;
    await db.contact.create({ data: { email: victim } });
    await sendMail({ envelope: { from: "", to: [app.support] }, raw: dsn({ from: null, to: app.support, failed: victim, status: "5.1.1", action: "failed", returnedId: `forged-${id}@elsewhere.test` }) });
    const held = await waitFor(
      () => db.inboundMessage.findFirst({ where: { status: "QUARANTINED", reason: { contains: "matches none of our messages" } } }),
      "forged bounce quarantined",
      60_000,
    );
    expect(held.caseId).toBeNull();
    expect((await db.contact.findUniqueOrThrow({ where: { email: victim } })).bouncing).toBe(false);
    expect((await inbox(victim)).length).toBe(0);
  }, 120_000);
});

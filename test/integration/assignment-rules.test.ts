/**
 * Assignment rules through the mail lab: a customer's invoice with an attachment goes to the billing team by
 * rule, before the customer's group; a mail no rule matches is routed by the group as before; and
 * `mailcase route` explains which rule matched and why the others did not.
 */
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_DATABASE_URL } from "../support/global-setup.ts";
import { labConfig, rand, sendMail, startApp, waitFor, waitForMail, type App } from "../support/harness.ts";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");

describe("assignment rules", () => {
  const id = rand();
  const customer = `jana-${id}@customer.test`;
  const dana = `dana-${id}@helpdesk.test`;
  const cfg = labConfig(id, (doc) => {
    // Billing's members are not told of every case (followsCases: false): the rule makes dana a follower.
    (doc.teams as unknown[]).push({ key: "billing", name: "Billing", members: ["dana"], followsCases: false });
    doc.assignmentRules = [
      { key: "globex", when: { senderDomain: ["globex.test"] }, then: { priority: "LOW" } },
      { key: "invoices", when: { subject: { words: ["invoice", "faktura"] }, hasAttachment: true }, then: { team: "billing", priority: "URGENT", type: "PROBLEM", tags: ["billing"], followers: ["dana"] } },
      { key: "polish", when: { language: ["pl"] }, then: { tags: ["pl"] } },
      { key: "anything", when: { body: { regex: "." } }, then: { tags: ["seen"] } },
    ];
  });
  let app: App;
  beforeAll(async () => {
    app = await startApp(cfg);
  });
  afterAll(async () => app?.close());
  const db = () => app.rt.deps.db;
  const caseOf = (messageId: string) =>
    waitFor(async () => (await db().inboundMessage.findFirst({ where: { messageId, caseId: { not: null } }, include: { case: { include: { team: true, owner: true, followers: true } } } }))?.case, `case of ${messageId}`);

  it("routes an invoice with an attachment to billing by rule, before the customer's group", async () => {
    const msgId = await sendMail({ from: customer, to: app.support, subject: `Invoice ${id} is wrong`, text: "See the attached invoice.", attachments: [{ filename: "invoice.pdf", content: Buffer.from("%PDF-1.4 test") }] });
    const c = await caseOf(msgId);
    expect(c).toMatchObject({ priority: "URGENT", type: "PROBLEM", tags: ["billing"] });
    expect(c.team?.key).toBe("billing");
    // The rule named a team only: billing assigns nobody automatically, so the case waits for the team.
    expect(c.ownerId).toBeNull();
    const danaId = (await db().agent.findUniqueOrThrow({ where: { key: "dana" } })).id;
    expect(c.followers.find((f) => f.agentId === danaId)?.reason).toBe("rule:invoices");
    const explain = (c.routing as { explain: string[] }).explain;
    expect(explain).toContain('rule "invoices": matched');
    expect(explain).toContain('team from assignment rule "invoices"');
    await waitForMail(dana, (m) => m.subject?.includes(`[MC-${c.number}] New case`) ?? false, "new-case notice to dana (follower by rule)");
  });

  it("leaves a mail no earlier rule matches to the next rule and the group", async () => {
    const msgId = await sendMail({ from: customer, to: app.support, subject: `Invoice question ${id}`, text: "No attachment this time." });
    const c = await caseOf(msgId);
    expect(c).toMatchObject({ priority: "NORMAL", type: "QUESTION", tags: ["seen"] });
    expect(c.team?.key).toBe("first-line");
    expect(c.owner?.key).toBe("dana");
  });

  it("matches the language the customer wrote in, whatever their contact's locale", async () => {
    // The contact's locale is en (the default); the text is Polish, without a single diacritic.
    const msgId = await sendMail({ from: customer, to: app.support, subject: `Drukarka ${id} nie drukuje`, text: "Dzien dobry, drukarka w biurze nie dziala od wczoraj, prosze o pomoc." });
    const c = await caseOf(msgId);
    expect(c.tags).toEqual(["pl"]);
    expect((c.routing as { explain: string[] }).explain).toContain('rule "polish": matched');
  });

  it("explains with `mailcase route` which rule matched and why the others did not", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "mc-rules-"));
    const file = path.join(dir, "invoice.eml");
    const raw = [
      `From: ${customer}`,
      `To: ${app.support}`,
      `Subject: Faktura ${id}`,
      `Message-ID: <route-${id}@customer.test>`,
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="b"',
      "",
      "--b",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "Faktura v příloze.",
      "--b",
      'Content-Type: application/pdf; name="f.pdf"',
      'Content-Disposition: attachment; filename="f.pdf"',
      "Content-Transfer-Encoding: base64",
      "",
      Buffer.from("%PDF-1.4").toString("base64"),
      "--b--",
      "",
    ].join("\r\n");
    await writeFile(file, raw);
    const out = await run(process.execPath, [path.join(ROOT, "bin/mailcase.mjs"), "route", file, "--json"], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: "silent", MAILCASE_LAB_MODE: "1" },
    });
    const report = JSON.parse(out.stdout) as { case: { team: string; priority: string; routing: string[] } };
    expect(report.case).toMatchObject({ team: "billing", priority: "URGENT" });
    expect(report.case.routing).toEqual(
      expect.arrayContaining([
        'rule "globex": no match (sender domain customer.test is not globex.test)',
        'rule "invoices": matched',
        'rule "anything": not evaluated (rule "invoices" matched first)',
      ]),
    );
    // A dry run: nothing was written.
    expect(await db().case.count({ where: { subject: `Faktura ${id}` } })).toBe(0);
  }, 120_000);
});

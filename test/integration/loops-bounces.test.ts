/**
 * Real bounces and real auto-responders through the mail lab: a bounce of our acknowledgement is filed on
 * its case as an internal post and marks the address; an auto-responder that answers every mail with a
 * fresh message (the worst kind: no threading headers, no Auto-Submitted) is stopped by the cap.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTO_MAIL_CAP } from "../../src/pipeline/notify/notification-plan.ts";
import { inbox, labConfig, rand, sendMail, startApp, waitFor, type App } from "../support/harness.ts";

describe("bounces and mail loops", () => {
  const id = rand();
  let app: App;
  beforeAll(async () => {
    app = await startApp(labConfig(id));
  });
  afterAll(async () => app?.close());

  it("files the bounce of an acknowledgement on its case, internally, and marks the address as bouncing", async () => {
    const ghost = `ghost-${id}@bounce.test`;
    const opened = await sendMail({ from: ghost, to: app.support, subject: "Please call me back", text: "My number is 123." });
    const db = app.rt.deps.db;
    const inbound = await waitFor(() => db.inboundMessage.findFirst({ where: { messageId: opened, caseId: { not: null } } }), "case");
    // The lab accepts mail for bounce.test and then returns a real DSN to the support mailbox.
    const bouncePost = await waitFor(() => db.post.findFirst({ where: { caseId: inbound.caseId!, threadRule: "bounced-original" } }), "bounce filed", 60_000);
    expect(bouncePost.visibility).toBe("INTERNAL");
    expect((await db.contact.findUniqueOrThrow({ where: { email: ghost } })).bouncing).toBe(true);
    expect(await db.case.count({ where: { contacts: { some: { contact: { email: { startsWith: "mailer-daemon" } } } } } })).toBe(0);
    expect(await db.case.count()).toBe(1);
    // Agents hear of it; nothing is mailed to the bouncing address again.
    await waitForMailTo(`bob-${id}@helpdesk.test`, "This is the mail system at host");
    expect(await db.outboundMail.count({ where: { toAddress: ghost } })).toBe(1);
  });

  it("stops an auto-responder that answers every mail with a new one within the cap", async () => {
    const robot = `robot-${id}@customer.test`;
    const db = app.rt.deps.db;
    await sendMail({ from: robot, to: app.support, subject: "Robot says hello", text: "beep" });
    // The robot answers each mail in its inbox once, with a fresh subject and no threading headers.
    const answered = new Set<string>();
    let quietSince = Date.now();
    for (let round = 0; round < 60 && Date.now() - quietSince < 8_000; round++) {
      for (const m of await inbox(robot)) {
        if (!m.messageId || answered.has(m.messageId)) continue;
        answered.add(m.messageId);
        quietSince = Date.now();
        await sendMail({ from: robot, to: app.support, subject: `Robot answer ${answered.size}`, text: "I am a robot. beep." });
      }
      await sleep(500);
    }
    const acks = await db.outboundMail.count({ where: { toAddress: robot, kind: "ACK" } });
    expect(acks).toBe(AUTO_MAIL_CAP.ACK.perHour);
    expect(answered.size).toBe(AUTO_MAIL_CAP.ACK.perHour);
    expect(await db.caseEvent.count({ where: { type: "notifications.suppressed" } })).toBeGreaterThanOrEqual(1);
  }, 120_000);

  async function waitForMailTo(address: string, text: string) {
    return waitFor(async () => (await inbox(address)).find((m) => (m.text ?? "").includes(text) || (m.subject ?? "").includes(text)), `${text} in ${address}`, 30_000);
  }
});

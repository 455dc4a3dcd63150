/**
 * Notify writes a post's mails once, however many notifiers run: the notifiedAt guard and the writes are one
 * statement (outbox.ts writeNotified), with no transaction around the load, so racing notifiers must all
 * load, plan and render, and exactly one of them may write rows and events.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifyPost } from "../../src/pipeline/notify/notify.service.ts";
import { labConfig, rand, startApp, testEnv, type App } from "../support/harness.ts";

describe("notify under concurrent notifiers", () => {
  const id = rand();
  let app: App;

  beforeAll(async () => {
    // No workers: the send jobs stay queued, this test is about the rows.
    app = await startApp(labConfig(id), { env: testEnv(), roles: [] });
  });
  afterAll(async () => app?.close());

  it("plans a new case's mails exactly once, and a later run writes nothing", async () => {
    const db = app.rt.deps.db;
    const areaId = (await db.area.findUniqueOrThrow({ where: { key: "helpdesk" } })).id;
    const mailboxId = (await db.mailbox.findFirstOrThrow()).id;
    const contact = await db.contact.create({ data: { email: `once-${id}@customer.test`, name: "Once" } });
    const kase = await db.case.create({
      data: {
        subject: `Once ${id}`,
        description: "Once",
        areaId,
        mailboxId,
        routing: { source: "notify-once test" },
        contacts: { create: [{ contactId: contact.id, role: "REQUESTER" }] },
      },
    });
    const post = await db.post.create({
      data: { caseId: kase.id, visibility: "PUBLIC", source: "CUSTOMER_EMAIL", authorContactId: contact.id, subject: `Once ${id}`, body: "Hello", threadRule: "new-case" },
    });

    const outcomes = await Promise.all(Array.from({ length: 4 }, () => notifyPost(app.rt.deps, post.id, "case-opened")));
    expect(outcomes.filter((o) => o.kind === "planned")).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === "already-planned")).toHaveLength(3);

    const rows = await db.outboundMail.findMany({ where: { postId: post.id } });
    expect(rows.filter((r) => r.kind === "ACK").map((r) => r.toAddress)).toEqual([contact.email]);
    const planned = outcomes.find((o) => o.kind === "planned");
    expect(planned).toEqual({ kind: "planned", outbound: rows.length });
    expect(await db.caseEvent.count({ where: { caseId: kase.id, type: "notifications.planned" } })).toBe(1);
    expect(await db.messageRef.count({ where: { caseId: kase.id, direction: "out" } })).toBe(rows.length);
    expect((await db.post.findUniqueOrThrow({ where: { id: post.id } })).notifiedAt).not.toBeNull();

    expect(await notifyPost(app.rt.deps, post.id, "case-opened")).toEqual({ kind: "already-planned", pending: rows.length });
    expect(await db.outboundMail.count({ where: { postId: post.id } })).toBe(rows.length);
    expect(await db.caseEvent.count({ where: { caseId: kase.id } })).toBe(1);
  });

  it("says missing for a post that does not exist", async () => {
    expect(await notifyPost(app.rt.deps, 2_000_000_000, "post-added")).toEqual({ kind: "missing" });
  });
});

/**
 * A burst of mail from a customer nobody knows yet (issue 12): every message becomes its case, planned for
 * notification, the customer and their Cc become one contact each however many messages race to create
 * them, and a known contact keeps the name it was first seen with. Contacts are created in one statement
 * (src/case/contacts.ts), not by Prisma's upsert, whose race failed and retried whole ingest jobs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labConfig, rand, sendMail, startApp, waitFor, type App } from "../support/harness.ts";

describe("contacts of a burst of new mail", () => {
  const id = rand();
  let app: App;
  beforeAll(async () => {
    app = await startApp(labConfig(id));
  });
  afterAll(async () => app?.close());

  it("files every message once and creates the sender and the Cc once each", async () => {
    const db = app.rt.deps.db;
    const sender = `burst-${id}@customer.test`;
    const cc = `colleague-${id}@customer.test`;
    await Promise.all(
      [1, 2, 3, 4, 5, 6].map((n) =>
        sendMail({ from: { name: n === 1 ? "Alice First" : `Alice ${n}`, address: sender }, to: app.support, cc, subject: `Burst ${id} ${n}`, text: "Hello." }),
      ),
    );
    const cases = await waitFor(async () => {
      const rows = await db.case.findMany({ where: { subject: { startsWith: `Burst ${id}` } }, include: { contacts: { include: { contact: true } } } });
      return rows.length === 6 ? rows : null;
    }, "six cases");
    // Each case was planned for notification (the acknowledgements themselves stop at the per-address cap).
    await waitFor(async () => {
      const n = await db.post.count({ where: { caseId: { in: cases.map((c) => c.id) }, threadRule: "new-case", notifiedAt: { not: null } } });
      return n === 6 ? n : null;
    }, "six planned opening posts");
    expect(await db.outboundMail.count({ where: { kind: "ACK", toAddress: sender } })).toBeGreaterThan(0);
    const contacts = await db.contact.findMany({ where: { email: { in: [sender, cc] } } });
    expect(contacts.map((c) => c.email).sort()).toEqual([cc, sender].sort());
    const requesterIds = new Set(cases.map((c) => c.contacts.find((x) => x.role === "REQUESTER")?.contactId));
    expect(requesterIds).toEqual(new Set([contacts.find((c) => c.email === sender)!.id]));
    expect(cases.every((c) => c.contacts.some((x) => x.role === "CC" && x.contact.email === cc))).toBe(true);
    // Nothing was lost to a failed attempt: every message is PROCESSED on its own case.
    const inbound = await db.inboundMessage.findMany({ where: { caseId: { in: cases.map((c) => c.id) } } });
    expect(inbound.map((m) => m.status)).toEqual(Array(6).fill("PROCESSED"));
  }, 90_000);

  it("keeps a known contact's name when they write again under another", async () => {
    const db = app.rt.deps.db;
    const sender = `named-${id}@customer.test`;
    await sendMail({ from: { name: "Bea Original", address: sender }, to: app.support, subject: `Named ${id} 1`, text: "Hello." });
    await waitFor(() => db.case.findFirst({ where: { subject: `Named ${id} 1` } }), "first case");
    await sendMail({ from: { name: "Somebody Else", address: sender }, to: app.support, subject: `Named ${id} 2`, text: "Hello again." });
    await waitFor(() => db.case.findFirst({ where: { subject: `Named ${id} 2` } }), "second case");
    expect((await db.contact.findUnique({ where: { email: sender } }))?.name).toBe("Bea Original");
  }, 60_000);
});

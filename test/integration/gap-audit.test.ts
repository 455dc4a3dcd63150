/**
 * The gap audit finds a message the server has but Mailcase never stored, and does not cry wolf over
 * pending messages or copies of a stored one.
 */
import { ImapFlow } from "imapflow";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditMailbox, compareUids } from "../../src/pipeline/poll/gap-audit.ts";
import { storeRaw } from "../../src/pipeline/poll/store-raw.ts";
import { LAB_PASSWORD, labConfig, rand, startApp, type App } from "../support/harness.ts";

describe("gap audit", () => {
  const id = rand();
  const folder = `Audit-${id}`;
  const support = `support-${id}@helpdesk.test`;
  let app: App;
  let client: ImapFlow;
  const raw = async (n: string) =>
    (await nodemailer.createTransport({ streamTransport: true, buffer: true }).sendMail({ from: `${n}-${id}@customer.test`, to: support, subject: n, text: n, messageId: `<${n}-${id}@customer.test>` })).message as Buffer;
  const append = async (buf: Buffer) => {
    const res = await client.append(folder, buf);
    if (!res || res.uid === undefined) throw new Error("APPEND returned no UID");
    return Number(res.uid);
  };

  beforeAll(async () => {
    client = new ImapFlow({ host: "127.0.0.1", port: 1143, secure: false, auth: { user: support, pass: LAB_PASSWORD }, logger: false });
    await client.connect();
    await client.mailboxCreate(folder);
    app = await startApp(labConfig(id, (doc) => ((doc.mailboxes as Record<string, unknown>[])[0]!.folder = folder)), { roles: [] });
  });
  afterAll(async () => {
    await client?.logout();
    await app?.close();
  });

  it("compares UIDs against the cursor (pure part)", () => {
    expect(compareUids({ serverUids: [1, 2, 3, 4, 5], storedUids: new Set([1, 3]), lastUid: 3 })).toEqual({ candidates: [2], pending: [4, 5] });
  });

  it("reports the skipped message, counts pending ones and recognises copies", async () => {
    const db = app.rt.deps.db;
    const mailbox = await db.mailbox.findFirstOrThrow();
    const a = await raw("alpha");
    const uidA = await append(a);
    const uidB = await append(await raw("bravo"));
    const status = await client.status(folder, { uidValidity: true });
    if (!status || status.uidValidity === undefined) throw new Error("STATUS returned no UIDVALIDITY");
    const uidValidity = BigInt(status.uidValidity);
    // As if the poller had stored A and then (wrongly) moved its cursor past B.
    await storeRaw(db, { mailboxId: mailbox.id, folder, uidValidity, uid: BigInt(uidA) }, a);
    const uidA2 = await append(a); // the same message again, under a new UID
    await db.mailboxCursor.create({ data: { mailboxId: mailbox.id, folder, uidValidity, lastUid: BigInt(uidA2) } });
    await append(await raw("charlie")); // arrived after the cursor: pending, not a gap

    const result = await auditMailbox(app.rt.deps, mailbox, LAB_PASSWORD);
    expect(result.gaps).toEqual([{ uid: uidB, messageId: `bravo-${id}@customer.test`, subject: "bravo" }]);
    expect(result.duplicates).toBe(1);
    expect(result.pending).toBe(1);
    expect(result.onServer).toBe(4);
    expect((await db.mailboxCursor.findFirstOrThrow()).auditGaps).toBe(1);
  });
});

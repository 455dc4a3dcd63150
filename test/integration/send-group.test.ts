/**
 * Grouped sending (src/pipeline/send/send-group.ts): the mails one post produces go as one job, claimed in
 * one statement and each marked SENT as its mail goes out, while each row keeps its own fate: a transient failure retries only
 * that row, a permanent one fails only that row. v1 jobs of the previous release still run, and a group job
 * lost with Redis is healed row by row by the sweeper.
 */
import { Job, UnrecoverableError } from "bullmq";
import type { Options as MailOptions } from "nodemailer/lib/mailer";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sendGroup } from "../../src/pipeline/send/send-group.ts";
import { enqueueSend, sendJob } from "../../src/pipeline/send/send.job.ts";
import type { Transport } from "../../src/pipeline/send/transport.ts";
import { sweep } from "../../src/pipeline/sweeper.ts";
import { labConfig, rand, startApp, testEnv, type App } from "../support/harness.ts";

/** Connections for the SENT marks of the fake relay's mails (the marks are real; only the relay is not). */
let marks: pg.Pool;

/** A transport that records what it was handed and fails the addresses it is told to (once each). */
function fakeTransport() {
  const sent: string[] = [];
  const failOnce = new Map<string, { responseCode: number; message: string }>();
  const smtp = {
    sendMail: async (options: MailOptions) => {
      const to = (options.to as { address: string }).address;
      const failure = failOnce.get(to);
      if (failure) {
        failOnce.delete(to);
        throw Object.assign(new Error(failure.message), { responseCode: failure.responseCode });
      }
      sent.push(to);
      return { response: "250 ok" };
    },
  };
  const transport = { smtp, marks, close: async () => undefined } as unknown as Transport;
  return { transport, sent, failOnce };
}

describe("grouped send jobs", () => {
  const id = rand();
  let app: App;
  let n = 0;

  beforeAll(async () => {
    // No workers: the jobs are run here, one at a time, through the stage's own processor.
    app = await startApp(labConfig(id), { env: testEnv(), roles: [] });
    marks = new pg.Pool({ connectionString: app.rt.env.DATABASE_URL, max: 2 });
  });
  afterAll(async () => {
    await marks?.end();
    await app?.close();
  });
  beforeEach(async () => {
    await app.rt.deps.queues.send.obliterate({ force: true });
  });

  const db = () => app.rt.deps.db;
  async function rows(count: number): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      n += 1;
      const r = await db().outboundMail.create({
        data: {
          dedupeKey: `group-${id}-${n}`,
          messageId: `group-${id}-${n}@helpdesk.test`,
          kind: "NOTICE",
          fromAddress: `support-${id}@helpdesk.test`,
          fromName: "ACME Support",
          toAddress: `to${n}-${id}@customer.test`,
          subject: `Mail ${n}`,
          text: `Body ${n}`,
          headers: {},
        },
      });
      ids.push(r.id);
    }
    return ids;
  }
  const statuses = async (ids: number[]) => (await db().outboundMail.findMany({ where: { id: { in: ids } }, orderBy: { id: "asc" } })).map((r) => r.status);
  const addressOf = async (outboundId: number) => (await db().outboundMail.findUniqueOrThrow({ where: { id: outboundId } })).toAddress;
  /** Runs the queued job `jobId` once through the send stage's processor, as a worker would. */
  async function run(jobId: string, transport: Transport): Promise<unknown> {
    const job = await Job.fromId(app.rt.deps.queues.send, jobId);
    if (!job) throw new Error(`no job ${jobId}`);
    return sendJob.processor({ deps: app.rt.deps, env: app.rt.env, transport })(job, "token");
  }

  it("enqueues a post's mails as one v2 job named after its first row, and sends both, each once", async () => {
    const ids = await rows(2);
    await enqueueSend(app.rt.deps.queues.send, ids);
    const jobs = await app.rt.deps.queues.send.getJobs(["waiting"]);
    expect(jobs.map((j) => [j.id, j.data])).toEqual([[`send-${ids[0]}`, { v: 2, outboundIds: ids }]]);

    const t = fakeTransport();
    expect(await run(`send-${ids[0]}`, t.transport)).toEqual({ kind: "sent", sent: 2 });
    expect(t.sent.sort()).toEqual((await Promise.all(ids.map(addressOf))).sort());
    expect(await statuses(ids)).toEqual(["SENT", "SENT"]);
    // Run again (a duplicate or a retry): nothing is claimable, nothing is sent twice.
    expect(await sendGroup(app.rt.deps, t.transport, ids, false)).toEqual({ kind: "nothing-to-send", sent: 0 });
    expect(t.sent).toHaveLength(2);
  });

  it("splits more rows than SEND_GROUP_MAX into several groups, and one row stays a v1 job", async () => {
    const ids = await rows(6);
    await enqueueSend(app.rt.deps.queues.send, ids);
    await enqueueSend(app.rt.deps.queues.send, [ids[5]! + 1000]);
    const data = (await app.rt.deps.queues.send.getJobs(["waiting"])).map((j) => j.data as unknown);
    expect(data).toContainEqual({ v: 2, outboundIds: ids.slice(0, 5) });
    expect(data).toContainEqual({ v: 1, outboundId: ids[5] });
    expect(data).toContainEqual({ v: 1, outboundId: ids[5]! + 1000 });
  });

  it("retries only the row that failed transiently; the other is not sent again", async () => {
    const ids = await rows(2);
    const t = fakeTransport();
    const second = await addressOf(ids[1]!);
    t.failOnce.set(second, { responseCode: 451, message: "451 try again later" });
    await expect(sendGroup(app.rt.deps, t.transport, ids, false)).rejects.toThrow("451 try again later");
    expect(await statuses(ids)).toEqual(["SENT", "PENDING"]);

    // The retry claims only the row still waiting.
    expect(await sendGroup(app.rt.deps, t.transport, ids, false)).toEqual({ kind: "sent", sent: 1 });
    expect(await statuses(ids)).toEqual(["SENT", "SENT"]);
    expect(t.sent.filter((a) => a === second)).toHaveLength(1);
    expect(t.sent).toHaveLength(2);
  });

  it("fails a permanently refused row for good and sends the other; the job ends unrecoverable", async () => {
    const ids = await rows(2);
    const t = fakeTransport();
    t.failOnce.set(await addressOf(ids[0]!), { responseCode: 550, message: "550 no such user" });
    const err = await sendGroup(app.rt.deps, t.transport, ids, false).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect(await statuses(ids)).toEqual(["FAILED", "SENT"]);

    // A group of one behaves as the single-row job: unrecoverable, with today's message.
    const [only] = await rows(1);
    t.failOnce.set(await addressOf(only!), { responseCode: 550, message: "550 no such user" });
    await expect(sendGroup(app.rt.deps, t.transport, [only!], false)).rejects.toThrow(/^permanent delivery failure to .*: 550 no such user$/);
    expect(await statuses([only!])).toEqual(["FAILED"]);
  });

  it("retries while a row is held by another sender's unlapsed claim, after sending the rest", async () => {
    const ids = await rows(2);
    await db().outboundMail.update({ where: { id: ids[1]! }, data: { status: "SENDING", claimedAt: new Date() } });
    const t = fakeTransport();
    await expect(sendGroup(app.rt.deps, t.transport, ids, false)).rejects.toThrow(/claimed by another sender/);
    expect(await statuses(ids)).toEqual(["SENT", "SENDING"]);
    // On the final attempt it gives up on the held row (as the single-row job does) and completes.
    expect(await sendGroup(app.rt.deps, t.transport, ids, true)).toEqual({ kind: "nothing-to-send", sent: 0 });
    expect(t.sent).toHaveLength(1);
  });

  it("still runs a v1 job of the previous release", async () => {
    const [one] = await rows(1);
    await app.rt.deps.queues.send.add("mail.send", { v: 1, outboundId: one }, { jobId: `send-${one}` });
    const t = fakeTransport();
    expect(await run(`send-${one}`, t.transport)).toEqual({ kind: "sent", response: "250 ok" });
    expect(await statuses([one!])).toEqual(["SENT"]);
  });

  it("heals a lost group job: the sweeper enqueues each waiting row as its own job", async () => {
    const ids = await rows(2);
    const send = app.rt.deps.queues.send;
    await enqueueSend(send, ids);
    // While the group job exists, the sweeper's job for its first row is a duplicate and dropped; the second
    // row gets its own job (it finds the row claimed or sent: the claim decides, never the job).
    await sweep(app.rt.deps, 0, { afterId: 0 }, { afterId: 0 });
    const live = new Map((await send.getJobs(["waiting"])).map((j) => [j.id, j.data as unknown]));
    expect(live.get(`send-${ids[0]}`)).toEqual({ v: 2, outboundIds: ids });
    expect(live.get(`send-${ids[1]}`)).toEqual({ v: 1, outboundId: ids[1] });

    // Redis loses the queue: the rows are still PENDING, and the sweeper enqueues each of them again.
    await send.obliterate({ force: true });
    await sweep(app.rt.deps, 0, { afterId: 0 }, { afterId: 0 });
    const healed = (await send.getJobs(["waiting"])).map((j) => [j.id, j.data as unknown]);
    expect(healed).toEqual(expect.arrayContaining(ids.map((i) => [`send-${i}`, { v: 1, outboundId: i }])));
    const t = fakeTransport();
    for (const i of ids) await run(`send-${i}`, t.transport);
    expect(await statuses(ids)).toEqual(["SENT", "SENT"]);
    expect(t.sent).toHaveLength(2);
  });
});

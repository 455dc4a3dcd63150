/**
 * Webhooks out against a local HTTP receiver, with the real database, Redis queue and mail lab: events
 * committed by case operations reach the receiver signed (HMAC-SHA256 over "<t>.<body>"), a 500 is retried
 * with the same delivery id until it succeeds, a refused (rolled back) change sends nothing, a repeated
 * fan-out creates no second delivery, and a receiver that keeps failing is disabled and the admin is mailed.
 */
import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actingAgentByKey, type ActingAgent } from "../../src/case/acting-agent.ts";
import type { OpsDeps } from "../../src/case/ops/common.ts";
import { createCase } from "../../src/case/ops/create-case.ts";
import { postOnCase } from "../../src/case/ops/post-case.ts";
import { changeCaseFields } from "../../src/case/ops/set-case.ts";
import { importCases } from "../../src/case/import/import-cases.service.ts";
import { csvRecords } from "../../src/cli/commands-import.ts";
import { opsDepsOf } from "../../src/pipeline/case-effects.ts";
import { enableSubscription } from "../../src/pipeline/webhook/webhook-admin.ts";
import { dispatchWebhooks } from "../../src/pipeline/webhook/webhook.service.ts";
import { labConfig, rand, startApp, testEnv, waitFor, waitForMail, type App } from "../support/harness.ts";

interface Hit {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  answered: number;
}

const SECRET = "whsec-test-0123456789abcdef";

describe("webhooks out", () => {
  const id = rand();
  const admin = `admin-${id}@helpdesk.test`;
  let app: App;
  let server: Server;
  let ops: OpsDeps;
  let alice: ActingAgent;
  const hits: Hit[] = [];
  /** What the receiver answers per path: a queue of status codes, then the last one forever. */
  const answers: Record<string, number[]> = { "/crm": [500, 200], "/down": [500], "/archive": [200] };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const path = req.url ?? "/";
        const queue = answers[path] ?? [404];
        const answered = queue.length > 1 ? queue.shift()! : queue[0]!;
        hits.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), answered });
        res.writeHead(answered).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const cfg = labConfig(id, (doc) => {
      doc.webhooks = {
        notify: admin,
        attempts: 3,
        backoffSeconds: 1,
        disableAfter: 2,
        subscriptions: [
          { key: "crm", url: `${base}/crm`, events: ["case.created", "case.status-changed"], secret: SECRET },
          { key: "down", url: `${base}/down`, events: ["post.added"], secretEnv: `WH_SECRET_${id.toUpperCase()}` },
          { key: "archive", url: `${base}/archive`, events: ["case.imported"], secret: SECRET },
        ],
      };
    });
    process.env[`WH_SECRET_${id.toUpperCase()}`] = "another-secret-of-enough-length";
    app = await startApp(cfg, { roles: ["worker"], env: testEnv({ MAILCASE_WEBHOOK_POLL_MS: "200", MAILCASE_WEBHOOK_TIMEOUT_MS: "3000" }) });
    ops = opsDepsOf(app.rt.deps);
    alice = (await actingAgentByKey(ops.db, "alice"))!;
  }, 30_000);
  afterAll(async () => {
    await app?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  let number = 0;

  it("signs a case.created delivery and retries it after a 500 with the same delivery id", async () => {
    const created = await createCase(ops, alice, { requester: { email: `caller-${id}@customer.test` }, cc: [], subject: `Phone ${id}`, description: "", origin: "PHONE", acknowledge: false, owner: "alice", team: "vip-desk" });
    if (!created.ok) throw new Error(created.reason);
    number = created.number;
    const [first, second] = await waitFor(async () => {
      const h = hits.filter((x) => x.path === "/crm" && x.headers["mailcase-event"] === "case.created");
      return h.length >= 2 ? h : null;
    }, "the case.created delivery and its retry", 20_000);
    expect(first!.answered).toBe(500);
    expect(second!.answered).toBe(200);
    expect(second!.headers["mailcase-delivery"]).toBe(first!.headers["mailcase-delivery"]);
    expect(second!.body).toBe(first!.body);

    // The signature is HMAC-SHA256(secret, "<t>.<raw body>"), with a current t.
    const sig = String(second!.headers["mailcase-signature"]);
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig);
    expect(m).not.toBeNull();
    expect(Math.abs(Number(m![1]) - Date.now() / 1000)).toBeLessThan(60);
    expect(m![2]).toBe(createHmac("sha256", SECRET).update(`${m![1]}.${second!.body}`).digest("hex"));
    expect(m![2]).not.toBe(createHmac("sha256", "wrong-secret").update(`${m![1]}.${second!.body}`).digest("hex"));

    const payload = JSON.parse(second!.body) as { id: string; event: string; case: { number: number; subject: string }; data: { by: string } };
    expect(payload).toMatchObject({ id: second!.headers["mailcase-delivery"], event: "case.created", case: { number, subject: `Phone ${id}` }, data: { by: `agent:${alice.agentId}` } });

    const log = await waitFor(
      async () => ops.db.webhookDelivery.findFirst({ where: { deliveryId: payload.id, status: "DELIVERED" } }),
      "the delivery log to say DELIVERED",
    );
    expect(log).toMatchObject({ attempts: 2, responseCode: 200, event: "case.created" });
    expect(log.latencyMs).toBeGreaterThanOrEqual(0);
  }, 30_000);

  it("publishes each case an import creates or updates as case.imported, and nothing else for it", async () => {
    const csv = path.join(mkdtempSync(path.join(os.tmpdir(), "mc-wh-")), "cases.csv");
    const write = (status: string) =>
      writeFileSync(csv, `external_id,subject,requester,status,created_at\nWH-${id}-1,Old printer ${id},old-${id}@customer.test,${status},2025-03-01T09:00:00Z\n`);
    const run = () => importCases(ops.db, csvRecords(csv, {}), { apply: true, mapping: {}, source: csv, batchSize: 50, onIssue: () => undefined });
    write("NEW");
    expect((await run()).created).toBe(1);
    write("IN_PROGRESS");
    await run();
    const imported = await waitFor(async () => {
      const h = hits.filter((x) => x.path === "/archive");
      return h.length >= 2 ? h : null;
    }, "two case.imported deliveries", 20_000);
    const bodies = imported.map((h) => JSON.parse(h.body) as { event: string; case: { subject: string }; data: { externalId: string; updated: string | null } });
    // Two events, two independent deliveries: they may arrive in either order (each names what it updated).
    const rows = bodies.map((b) => [b.event, b.case.subject, b.data.externalId, b.data.updated]).sort((a, b) => (a[3] === null ? -1 : b[3] === null ? 1 : 0));
    expect(rows).toEqual([
      ["case.imported", `Old printer ${id}`, `WH-${id}-1`, null],
      ["case.imported", `Old printer ${id}`, `WH-${id}-1`, "status"],
    ]);
    expect(imported[0]!.body).not.toContain(csv);
    // An import is history, not news: the subscribers of case.created hear nothing of it.
    expect(hits.some((h) => h.path === "/crm" && h.body.includes(`Old printer ${id}`))).toBe(false);
  }, 30_000);

  it("sends a status change, and nothing for a change the case rules refused (rolled back)", async () => {
    const refused = await changeCaseFields(ops, alice, { case: number, status: "CLOSED" });
    expect(refused.ok).toBe(false);
    const done = await changeCaseFields(ops, alice, { case: number, status: "IN_PROGRESS" });
    expect(done.ok).toBe(true);
    const hit = await waitFor(async () => hits.find((x) => x.headers["mailcase-event"] === "case.status-changed"), "the status change delivery", 15_000);
    expect(JSON.parse(hit.body)).toMatchObject({ event: "case.status-changed", case: { number, status: "IN_PROGRESS" }, data: { to: "IN_PROGRESS" } });
    // The refused CLOSED left no event: every status-changed delivery is the one that happened.
    const all = await ops.db.webhookDelivery.findMany({ where: { event: "case.status-changed" } });
    expect(all.map((d) => (d.payload as { data: { to: string } }).data.to)).toEqual(["IN_PROGRESS"]);
  }, 20_000);

  it("fans each event out once, however many dispatchers run at the same time", async () => {
    const before = await ops.db.webhookDelivery.count({ where: { event: "case.created" } });
    // Outbox rows written directly, as recordEvents does, and raced by four dispatchers (the worker's loop too).
    await ops.db.webhookOutbox.createMany({ data: Array.from({ length: 30 }, () => ({ caseId: 1, event: "case.created", data: { by: "test" } })) });
    await Promise.all([dispatchWebhooks(app.rt.deps, 7), dispatchWebhooks(app.rt.deps, 7), dispatchWebhooks(app.rt.deps, 7), dispatchWebhooks(app.rt.deps, 7)]);
    // The worker's own loop may hold a batch when ours run (SKIP LOCKED passes it by): wait for it too.
    await waitFor(async () => (await ops.db.webhookOutbox.count()) === 0, "the outbox to be empty", 10_000);
    const deliveries = await ops.db.webhookDelivery.findMany({ where: { event: "case.created" }, select: { outboxId: true } });
    expect(deliveries.length).toBe(before + 30);
    expect(new Set(deliveries.map((d) => d.outboxId)).size).toBe(deliveries.length);
  }, 20_000);

  it("disables a subscription after repeated failure, mails the admin once, and sends it nothing more until enabled", async () => {
    for (const text of ["first note", "second note"]) {
      const r = await postOnCase(ops, alice, { case: number, visibility: "INTERNAL", body: text });
      expect(r.ok).toBe(true);
    }
    const sub = await waitFor(
      async () => ops.db.webhookSubscription.findFirst({ where: { key: "down", disabledAt: { not: null } } }),
      "the failing subscription to be disabled",
      30_000,
    );
    expect(sub.disabledReason).toMatch(/2 deliveries in a row failed; the last: HTTP 500/);
    const failed = await ops.db.webhookDelivery.findMany({ where: { subscriptionId: sub.id } });
    expect(failed.map((d) => [d.status, d.attempts, d.responseCode])).toEqual([
      ["FAILED", 3, 500],
      ["FAILED", 3, 500],
    ]);
    const notice = await waitForMail(admin, (m) => /Webhook "down" disabled/.test(m.subject ?? ""), "the admin's notice");
    expect(notice.text).toContain("mailcase webhook enable down");
    expect(notice.headers.get("auto-submitted")).toBe("auto-generated");

    // Disabled: a new post creates no delivery for it, and the crm subscription is untouched.
    const hitsBefore = hits.filter((h) => h.path === "/down").length;
    await postOnCase(ops, alice, { case: number, visibility: "INTERNAL", body: "third note" });
    await dispatchWebhooks(app.rt.deps);
    expect(await ops.db.webhookDelivery.count({ where: { subscriptionId: sub.id } })).toBe(2);
    expect(hits.filter((h) => h.path === "/down").length).toBe(hitsBefore);
    expect(await ops.db.webhookSubscription.findUniqueOrThrow({ where: { key: "crm" } })).toMatchObject({ disabledAt: null, consecutiveFailures: 0 });

    // Enabled again (the receiver fixed): the next event is delivered.
    answers["/down"] = [200];
    expect(await enableSubscription(ops.db, "down")).toBe(true);
    await postOnCase(ops, alice, { case: number, visibility: "INTERNAL", body: "fourth note" });
    const ok = await waitFor(async () => ops.db.webhookDelivery.findFirst({ where: { subscriptionId: sub.id, status: "DELIVERED" } }), "a delivery after enabling");
    expect(ok).toMatchObject({ event: "post.added", attempts: 1, responseCode: 200 });
  }, 60_000);
});

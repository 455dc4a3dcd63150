/**
 * Webhooks out. Case events reach the webhook outbox in the transaction of the change (case/case-events.ts
 * `recordEvents`); from there:
 *
 * 1. `dispatchWebhooks` (a worker loop) turns each outbox row into one delivery per subscription that wants
 *    the event and deletes the row, in one transaction (rows locked SKIP LOCKED, so workers share the work);
 *    deliveries are unique per (subscription, outbox row), so a repeated fan-out creates nothing twice.
 * 2. After that commit the deliveries are enqueued (`webhook-<id>` job ids); `requeueStaleDeliveries` heals
 *    a crash between commit and enqueue.
 * 3. `deliverWebhook` POSTs the stored payload, signed, with the delivery's id as `Mailcase-Delivery` (the
 *    same on every retry, for the receiver's dedupe), and writes the delivery log. A failure throws so
 *    BullMQ retries with backoff; the last failure marks the delivery FAILED, and `disableAfter` of those in
 *    a row disable the subscription and mail the admin once.
 */
import { randomUUID } from "node:crypto";
import { writeOutbound } from "../../case/outbox.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { Deps } from "../../kernel/deps.ts";
import { enqueueSend } from "../send/send.job.ts";
import { enqueueWebhooks } from "./webhook.job.ts";
import { SIGNATURE_HEADER, signatureHeader } from "./webhook-signature.ts";
import { caseNo } from "../../case/case-number.ts";

/** Fans out up to `batch` outbox rows per transaction until the outbox is empty; returns the deliveries created. */
export async function dispatchWebhooks(deps: Deps, batch = 200): Promise<{ events: number; deliveries: number }> {
  let events = 0;
  let deliveries = 0;
  for (;;) {
    const r = await deps.db.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM "WebhookOutbox" ORDER BY id LIMIT ${batch} FOR UPDATE SKIP LOCKED`;
      if (locked.length === 0) return { events: 0, created: 0, pending: [] };
      const ids = locked.map((l) => l.id);
      const outbox = await tx.webhookOutbox.findMany({ where: { id: { in: ids } }, orderBy: { id: "asc" } });
      const subs = await tx.webhookSubscription.findMany({ where: { active: true, disabledAt: null } });
      const cases = await tx.case.findMany({
        where: { id: { in: [...new Set(outbox.map((o) => o.caseId))] } },
        select: { id: true, number: true, subject: true, status: true, priority: true },
      });
      const caseOf = new Map(cases.map((c) => [c.id, c]));
      const rows: Prisma.WebhookDeliveryCreateManyInput[] = outbox.flatMap((o) =>
        subs
          .filter((s) => s.events.includes(o.event))
          .map((s) => {
            const deliveryId = randomUUID();
            const c = caseOf.get(o.caseId);
            // The case as of the fan-out (a second or two after the event); the event's own data says what changed.
            const payload = {
              id: deliveryId,
              event: o.event,
              occurredAt: o.createdAt.toISOString(),
              case: c ? { number: caseNo(c.number), subject: c.subject, status: c.status, priority: c.priority } : null,
              data: o.data,
            } as Prisma.InputJsonObject;
            return { deliveryId, subscriptionId: s.id, outboxId: o.id, event: o.event, caseId: o.caseId, payload };
          }),
      );
      const created = rows.length ? (await tx.webhookDelivery.createMany({ data: rows, skipDuplicates: true })).count : 0;
      await tx.webhookOutbox.deleteMany({ where: { id: { in: ids } } });
      const pending = await tx.webhookDelivery.findMany({
        where: { outboxId: { in: ids }, status: "PENDING" },
        select: { id: true, subscription: { select: { attempts: true, backoffSeconds: true } } },
      });
      return { events: ids.length, created, pending };
    });
    await enqueueWebhooks(deps.queues.webhook, r.pending.map((p) => ({ id: p.id, ...p.subscription })));
    events += r.events;
    deliveries += r.created;
    if (r.events < batch) return { events, deliveries };
  }
}

/** Re-enqueues deliveries still PENDING after `graceMs` whose job was lost (job ids make this a no-op otherwise). */
export async function requeueStaleDeliveries(deps: Deps, graceMs: number): Promise<number> {
  const before = new Date(deps.clock.now().getTime() - graceMs);
  const stale = await deps.db.webhookDelivery.findMany({
    where: { status: "PENDING", createdAt: { lt: before } },
    select: { id: true, subscription: { select: { attempts: true, backoffSeconds: true } } },
    take: 1000,
  });
  await enqueueWebhooks(deps.queues.webhook, stale.map((s) => ({ id: s.id, ...s.subscription })));
  return stale.length;
}

/** "env:NAME" reads the variable (at delivery time, so a rotated secret needs no config apply); else literal. */
export function resolveWebhookSecret(stored: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!stored.startsWith("env:")) return stored;
  const value = env[stored.slice(4)];
  if (!value) throw new Error(`webhook secret variable ${stored.slice(4)} is not set`);
  return value;
}

export type DeliveryOutcome =
  | { kind: "missing" }
  | { kind: "done-before"; status: string }
  | { kind: "skipped" }
  | { kind: "delivered"; code: number }
  | { kind: "failed"; disabled: boolean };

export async function deliverWebhook(deps: Deps, id: number, opts: { final: boolean; timeoutMs: number }): Promise<DeliveryOutcome> {
  const d = await deps.db.webhookDelivery.findUnique({ where: { id }, include: { subscription: true } });
  if (!d) return { kind: "missing" };
  if (d.status !== "PENDING") return { kind: "done-before", status: d.status };
  const sub = d.subscription;
  if (!sub.active || sub.disabledAt) {
    await deps.db.webhookDelivery.update({ where: { id }, data: { status: "SKIPPED", finishedAt: deps.clock.now() } });
    return { kind: "skipped" };
  }

  const body = JSON.stringify(d.payload);
  const started = performance.now();
  let code: number | null = null;
  let error: string | null = null;
  try {
    const secret = resolveWebhookSecret(sub.secret);
    const res = await fetch(sub.url, {
      method: "POST",
      body,
      // A redirect is a failure, not followed: the receiver's address is what the administrator declared.
      redirect: "manual",
      signal: AbortSignal.timeout(opts.timeoutMs),
      headers: {
        "content-type": "application/json",
        "user-agent": "Mailcase-Webhooks/1",
        [SIGNATURE_HEADER]: signatureHeader(secret, body, deps.clock.now()),
        "Mailcase-Delivery": d.deliveryId,
        "Mailcase-Event": d.event,
      },
    });
    code = res.status;
    await res.body?.cancel();
  } catch (err) {
    error = (err as Error).name === "TimeoutError" ? `no answer within ${opts.timeoutMs} ms` : (err as Error).message;
  }
  const latencyMs = Math.round(performance.now() - started);
  const now = deps.clock.now();
  const attempt = { attempts: { increment: 1 }, responseCode: code, latencyMs, lastAttemptAt: now };

  if (code !== null && code >= 200 && code < 300) {
    await deps.db.$transaction([
      deps.db.webhookDelivery.update({ where: { id }, data: { ...attempt, status: "DELIVERED", error: null, finishedAt: now } }),
      deps.db.webhookSubscription.update({ where: { id: sub.id }, data: { consecutiveFailures: 0 } }),
    ]);
    return { kind: "delivered", code };
  }
  error ??= `HTTP ${code}`;
  if (!opts.final) {
    await deps.db.webhookDelivery.update({ where: { id }, data: { ...attempt, error } });
    // Thrown for BullMQ's retry with backoff (logged as a warning by the worker).
    throw new Error(`webhook ${sub.key} delivery ${id}: ${error}`);
  }
  return failForGood(deps, d.id, sub.id, attempt, error, now);
}

/** The last attempt failed: the delivery is FAILED; enough of those in a row disable the subscription, once. */
async function failForGood(
  deps: Deps,
  id: number,
  subId: number,
  attempt: Prisma.WebhookDeliveryUpdateInput,
  error: string,
  now: Date,
): Promise<DeliveryOutcome> {
  const r = await deps.db.$transaction(async (tx) => {
    await tx.webhookDelivery.update({ where: { id }, data: { ...attempt, status: "FAILED", error, finishedAt: now } });
    const sub = await tx.webhookSubscription.update({ where: { id: subId }, data: { consecutiveFailures: { increment: 1 } } });
    if (sub.consecutiveFailures < sub.disableAfter) return { disabled: false, send: [] };
    const reason = `${sub.consecutiveFailures} deliveries in a row failed; the last: ${error}`;
    // updateMany with disabledAt null: of two deliveries failing at once, only one disables and mails.
    const won = await tx.webhookSubscription.updateMany({ where: { id: subId, disabledAt: null }, data: { disabledAt: now, disabledReason: reason } });
    if (won.count === 0 || !sub.notifyEmail) return { disabled: won.count > 0, send: [] };
    const mailbox = await tx.mailbox.findFirst({ where: { active: true }, orderBy: { id: "asc" } });
    if (!mailbox) return { disabled: true, send: [] };
    const text = [
      `The webhook subscription "${sub.key}" (${sub.url}) was disabled at ${now.toISOString()}:`,
      `${reason}.`,
      "",
      "Mailcase stops sending it events until it is enabled again. Check the receiver, then run:",
      `  mailcase webhook deliveries ${sub.key}   (the delivery log)`,
      `  mailcase webhook enable ${sub.key}`,
      "",
    ].join("\n");
    const { pending } = await writeOutbound(tx, [
      {
        // An operator notice answering no message: compose marks it Auto-Submitted: auto-generated.
        kind: "NOTICE",
        caseId: null,
        postId: null,
        recipientKey: `wh${sub.id}-${now.getTime()}`,
        to: { address: sub.notifyEmail },
        from: { address: mailbox.address, name: mailbox.displayName },
        replyTo: null,
        rendered: { subject: `Webhook "${sub.key}" disabled after repeated failure`, text, html: null },
        threadIds: [],
        parentId: null,
        threadReplies: false,
      },
    ]);
    return { disabled: true, send: pending.map((p) => p.id) };
  });
  await enqueueSend(deps.queues.send, r.send);
  if (r.disabled) deps.log.error({ webhookSubscription: subId, deliveryId: id }, "webhook subscription disabled after repeated failure");
  return { kind: "failed", disabled: r.disabled };
}

/** Runs the fan-out every `pollMs` and heals lost jobs every minute; close() stops it. */
export function startWebhookDispatcher(deps: Deps, pollMs: number, graceMs: number): { close(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  let lastHeal = 0;
  const tick = () => {
    // One pass at a time per process: a slow pass is not overtaken by the next tick.
    if (running) return;
    running = (async () => {
      await dispatchWebhooks(deps);
      if (Date.now() - lastHeal > 60_000) {
        lastHeal = Date.now();
        await requeueStaleDeliveries(deps, graceMs);
      }
    })()
      .catch((err: Error) => deps.log.error({ err }, "webhook dispatch failed"))
      .finally(() => (running = null));
  };
  const timer = setInterval(tick, pollMs);
  timer.unref();
  tick();
  return {
    close: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

/**
 * Heals the gaps a crash can leave between a commit and the enqueue that follows it: rows still waiting
 * after a grace period are enqueued again. Job ids are deterministic, so this never duplicates work. It also
 * re-schedules the SLA and automation jobs of the next slice of open cases, so delayed jobs lost with Redis come back,
 * and acts on approval requests whose reminder or timeout is due.
 */
import { sweepApprovals } from "../approval/approval.service.ts";
import type { Deps } from "../kernel/deps.ts";
import { enqueueIngest } from "./ingest/ingest.job.ts";
import { enqueueNotify } from "./notify/notify.job.ts";
import { enqueueSend, enqueueSendEach } from "./send/send.job.ts";
import { CLAIM_LEASE_MS } from "./send/send.service.ts";
import { rescheduleOpenSla } from "./sla/sla-watch.service.ts";
import { rescheduleOpenAutomation } from "./sla/automation-schedule.ts";

/** Where the sweeper's SLA pass goes on: it re-schedules the open cases one bounded slice per sweep. */
const slaSweepCursor = { afterId: 0 };
/** The same for the automation pass (follow-ups, nudges, resolution mails). */
const automationSweepCursor = { afterId: 0 };

export async function sweep(
  deps: Deps,
  graceMs = 30_000,
  slaCursor = slaSweepCursor,
  automationCursor = automationSweepCursor,
): Promise<{ ingest: number; notify: number; send: number; sla: number; automation: number; approvals: number }> {
  const before = new Date(deps.clock.now().getTime() - graceMs);
  const [inbound, notify, outbound] = await Promise.all([
    deps.db.inboundMessage.findMany({ where: { status: "PENDING", fetchedAt: { lt: before } }, select: { id: true }, take: 1000 }),
    sweepUnnotified(deps, graceMs),
    deps.db.outboundMail.findMany({
      // SENDING with a lapsed claim: its sender died between claim and outcome.
      where: { OR: [{ status: "PENDING", createdAt: { lt: before } }, { status: "SENDING", claimedAt: { lt: new Date(deps.clock.now().getTime() - CLAIM_LEASE_MS) } }] },
      select: { id: true },
      take: 1000,
    }),
  ]);
  await enqueueIngest(deps.queues.ingest, inbound.map((r) => r.id));
  // One job per row, never a group: a row's own job id is what dedupes against its live job (a group's is its
  // first row's), and a group whose id is taken by a kept job would be dropped with every row in it.
  await enqueueSendEach(deps.queues.send, outbound.map((r) => r.id));
  const sla = await rescheduleOpenSla(deps, slaCursor.afterId);
  slaCursor.afterId = sla.nextAfterId;
  const automation = await rescheduleOpenAutomation(deps, automationCursor.afterId);
  automationCursor.afterId = automation.nextAfterId;
  // Approval reminders and timeouts are due times in rows, acted on here (each request under its row lock).
  const approvals = await sweepApprovals(deps.db, { templates: deps.templates, secret: deps.secret }, deps.clock.now());
  await enqueueSend(deps.queues.send, approvals.outbound);
  return {
    ingest: inbound.length,
    notify,
    send: outbound.length,
    sla: sla.cases,
    automation: automation.cases,
    approvals: approvals.reminded + approvals.timedOut + approvals.escalated,
  };
}

/**
 * Enqueues the notify jobs of posts older than `graceMs` that no notifier planned yet; returns how many.
 * A worker starting up calls it with no grace (src/app/runtime.ts): a post its predecessor committed just
 * before dying between the ingest commit and the inline notify is notified at once, instead of after the
 * grace. A post a live worker is notifying right now may be enqueued too: notifyPost's guard makes that
 * job write nothing.
 */
export async function sweepUnnotified(deps: Deps, graceMs: number): Promise<number> {
  const before = new Date(deps.clock.now().getTime() - graceMs);
  const posts = await deps.db.post.findMany({ where: { notifiedAt: null, createdAt: { lt: before } }, select: { id: true, threadRule: true }, take: 1000 });
  await enqueueNotify(
    deps.queues.notify,
    posts.map((p) => ({ v: 1, postId: p.id, event: p.threadRule === "new-case" ? "case-opened" : "post-added" })),
  );
  // At start-up (no grace) these are usually what a stopped worker left between commit and notify.
  if (posts.length) deps.log[graceMs === 0 ? "warn" : "info"]({ posts: posts.length, graceMs }, "notify jobs of unnotified posts enqueued");
  return posts.length;
}

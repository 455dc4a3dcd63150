/** What `mailcase webhook …` reads and changes: subscriptions with their state, the delivery log, re-enabling. */
import type { DbOrTx } from "../../db/client.ts";

export async function listSubscriptions(db: DbOrTx) {
  const subs = await db.webhookSubscription.findMany({ orderBy: { key: "asc" } });
  return subs.map((s) => ({
    key: s.key,
    url: s.url,
    events: s.events,
    state: !s.active ? "removed" : s.disabledAt ? "disabled" : "active",
    consecutiveFailures: s.consecutiveFailures,
    disabledAt: s.disabledAt,
    disabledReason: s.disabledReason,
  }));
}

export async function deliveryLog(db: DbOrTx, key: string, limit: number) {
  const sub = await db.webhookSubscription.findUnique({ where: { key } });
  if (!sub) return null;
  const rows = await db.webhookDelivery.findMany({ where: { subscriptionId: sub.id }, orderBy: { id: "desc" }, take: limit });
  return rows.map((d) => ({
    id: d.id,
    deliveryId: d.deliveryId,
    event: d.event,
    caseId: d.caseId,
    status: d.status,
    attempts: d.attempts,
    responseCode: d.responseCode,
    latencyMs: d.latencyMs,
    error: d.error,
    createdAt: d.createdAt,
    lastAttemptAt: d.lastAttemptAt,
  }));
}

/** Re-enables a subscription disabled after failures (its failure count starts again); false if unknown. */
export async function enableSubscription(db: DbOrTx, key: string): Promise<boolean> {
  return (await db.webhookSubscription.updateMany({ where: { key }, data: { disabledAt: null, disabledReason: null, consecutiveFailures: 0 } })).count > 0;
}

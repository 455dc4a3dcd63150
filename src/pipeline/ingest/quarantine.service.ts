/**
 * Operator view of messages that could not be filed. The raw message is always kept; retry puts it back
 * through ingest (e.g. after a configuration fix), discard only marks it as dealt with.
 */
import type { Deps } from "../../kernel/deps.ts";
import { enqueueIngest } from "./ingest.job.ts";

export async function listQuarantine(deps: Deps, includeDiscarded = false) {
  const rows = await deps.db.inboundMessage.findMany({
    where: { status: "QUARANTINED", ...(includeDiscarded ? {} : { NOT: { outcome: "discarded" } }) },
    orderBy: { id: "asc" },
    select: { id: true, messageId: true, reason: true, outcome: true, size: true, fetchedAt: true, attempts: true, mailbox: { select: { key: true } } },
  });
  return rows.map((r) => ({ ...r, mailbox: r.mailbox.key, fetchedAt: r.fetchedAt.toISOString() }));
}

export async function showQuarantined(deps: Deps, id: number) {
  return deps.db.inboundMessage.findUnique({ where: { id } });
}

export type RetryOutcome = { kind: "missing" } | { kind: "not-quarantined"; status: string } | { kind: "requeued"; attempt: number };

export async function retryQuarantined(deps: Deps, id: number): Promise<RetryOutcome> {
  const row = await deps.db.inboundMessage.findUnique({ where: { id }, select: { status: true, attempts: true } });
  if (!row) return { kind: "missing" };
  if (row.status !== "QUARANTINED") return { kind: "not-quarantined", status: row.status };
  const attempt = row.attempts + 1;
  await deps.db.inboundMessage.update({ where: { id }, data: { status: "PENDING", reason: null, outcome: null, processedAt: null, attempts: attempt } });
  await enqueueIngest(deps.queues.ingest, [id], attempt);
  return { kind: "requeued", attempt };
}

export async function discardQuarantined(deps: Deps, id: number): Promise<boolean> {
  const { count } = await deps.db.inboundMessage.updateMany({ where: { id, status: "QUARANTINED" }, data: { outcome: "discarded" } });
  return count === 1;
}

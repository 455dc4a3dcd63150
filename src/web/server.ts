/**
 * Health and metrics endpoint (the `web` process). /healthz checks PostgreSQL and Redis; /metrics is
 * Prometheus text: queue depths, inbound messages by status, oldest pending message age.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import { Gauge, Registry } from "prom-client";
import type { Deps } from "../kernel/deps.ts";

export async function startWebServer(deps: Deps, redis: Redis, port: number): Promise<{ close(): Promise<void>; port: number }> {
  const registry = new Registry();
  const queueDepth = new Gauge({ name: "mailcase_queue_jobs", help: "Jobs per queue and state", labelNames: ["queue", "state"], registers: [registry] });
  const inbound = new Gauge({ name: "mailcase_inbound_messages", help: "Stored inbound messages by status", labelNames: ["status"], registers: [registry] });
  const oldest = new Gauge({ name: "mailcase_oldest_pending_inbound_seconds", help: "Age of the oldest unprocessed inbound message", registers: [registry] });
  const gaps = new Gauge({ name: "mailcase_imap_gap_messages", help: "Messages on the server never stored, at the last gap audit", labelNames: ["mailbox", "folder"], registers: [registry] });
  const outbound = new Gauge({ name: "mailcase_outbound_mails", help: "Outbox rows by status", labelNames: ["status"], registers: [registry] });

  async function collect(): Promise<void> {
    for (const q of Object.values(deps.queues)) {
      const counts = await q.getJobCounts("waiting", "active", "delayed", "failed");
      for (const [state, n] of Object.entries(counts)) queueDepth.set({ queue: q.name, state }, n);
    }
    for (const row of await deps.db.inboundMessage.groupBy({ by: ["status"], _count: { _all: true } })) inbound.set({ status: row.status }, row._count._all);
    for (const row of await deps.db.outboundMail.groupBy({ by: ["status"], _count: { _all: true } })) outbound.set({ status: row.status }, row._count._all);
    for (const c of await deps.db.mailboxCursor.findMany({ where: { auditGaps: { not: null } }, include: { mailbox: { select: { key: true } } } }))
      gaps.set({ mailbox: c.mailbox.key, folder: c.folder }, c.auditGaps ?? 0);
    const first = await deps.db.inboundMessage.findFirst({ where: { status: "PENDING" }, orderBy: { fetchedAt: "asc" }, select: { fetchedAt: true } });
    oldest.set(first ? (deps.clock.now().getTime() - first.fetchedAt.getTime()) / 1000 : 0);
  }

  const server = createServer((req, res) => {
    void (async () => {
      try {
        if (req.url === "/healthz") {
          await deps.db.$queryRaw`SELECT 1`;
          await redis.ping();
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok" }));
        } else if (req.url === "/metrics") {
          await collect();
          res.writeHead(200, { "content-type": registry.contentType }).end(await registry.metrics());
        } else res.writeHead(404).end("not found\n");
      } catch (err) {
        res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ status: "unhealthy", error: (err as Error).message }));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  deps.log.info({ port: (server.address() as AddressInfo).port }, "web listening");
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The `web` process: health and metrics for operators, and the customer portals (src/portal).
 * /healthz checks PostgreSQL and Redis; /metrics is Prometheus text: queue depths, inbound messages by
 * status, oldest pending message age. Each configured portal is mounted at its path.
 */
import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import helmet from "@fastify/helmet";
import multipart from "@fastify/multipart";
import view from "@fastify/view";
import Fastify, { type FastifyInstance } from "fastify";
import Handlebars from "handlebars";
import type { Redis } from "ioredis";
import path from "node:path";
import { Gauge, Registry } from "prom-client";
import { keysFor } from "../config/secrets.ts";
import type { Deps } from "../kernel/deps.ts";
import { translate, type MessageKey } from "../portal/i18n.ts";
import { portalRoutes } from "../portal/portal.routes.ts";
import type { PortalLanguage } from "../portal/portal-config.ts";
import { loadPortalDefs, PortalDirectory } from "../portal/portals.ts";
import { anyWebForms } from "../portal/web-form-store.ts";
import { webFormRoutes } from "../portal/web-form.routes.ts";
import { TEMPLATES_DIR } from "../render/templates.ts";
import { apiPlugin, DEFAULT_API_RATE_PER_MINUTE } from "../api/plugin.ts";
import { opsDepsOf } from "../pipeline/case-effects.ts";
import { signedLinkRoutes } from "./signed-links.routes.ts";
import { suggestionStats } from "../kb/suggestion-events.ts";

import type { WebOptions } from "./web-options.ts";

export { DEFAULT_SESSION, DEFAULT_SIGN_IN_LIMITS, type WebOptions } from "./web-options.ts";

export async function buildWebApp(deps: Deps, redis: Redis, opts: WebOptions): Promise<FastifyInstance> {
  // A hop count trusts that many proxies in front of us (Fastify's types take it as a function).
  const hops = opts.trustProxy;
  const trustProxy = typeof hops === "number" ? (_address: string, hop: number) => hop < hops : hops;
  const app = Fastify({ trustProxy, bodyLimit: 1024 * 1024 });
  const tls = opts.publicUrl?.startsWith("https://") ?? false;

  registerMetrics(app, deps, redis);
  // Signed links from mail (satisfaction ratings, attachment downloads): no sign-in, no portal needed.
  await app.register(signedLinkRoutes, { deps });
  // The agent API acts as the token's agent through the same case operations as the CLI.
  await app.register(apiPlugin, {
    prefix: "/api/v1",
    ops: opsDepsOf(deps),
    rateLimit: { perMinute: opts.apiRatePerMinute ?? DEFAULT_API_RATE_PER_MINUTE, redis, redisPrefix: opts.redisPrefix },
  });

  const portals = opts.publicUrl ? await loadPortalDefs(deps.db) : [];
  if (!opts.publicUrl) deps.log.warn("MAILCASE_PUBLIC_URL is not set: the customer portal is not served");
  // Web forms are read per request, but their routes are mounted only when some exist at start (as portals).
  const forms = opts.publicUrl ? await anyWebForms(deps.db) : false;
  if (portals.length === 0 && !forms) return app;

  // Session cookies are signed with the session key of the current secret; keys of previous secrets still
  // verify (rotation without signing everybody out).
  await app.register(cookie, { secret: keysFor(deps.secret, "session") });
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(multipart, { limits: { fileSize: deps.limits.maxMessageBytes, files: 10, fields: 20 } });
  const logoOrigins = [...new Set(portals.flatMap((p) => (p.theme.logoUrl?.startsWith("https://") ? [new URL(p.theme.logoUrl).origin] : [])))];
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", "data:", ...logoOrigins],
        styleSrc: ["'self'"],
        scriptSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
        // Only with TLS: on plain-http loopback it would send every form to an https URL that is not there.
        ...(tls ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    hsts: tls ? { maxAge: 15_552_000, includeSubDomains: false } : false,
    crossOriginEmbedderPolicy: false,
    frameguard: { action: "deny" },
  });

  const hb = Handlebars.create();
  // {{t "key" name=value}}: the page's language comes from the view data (@root.lang).
  hb.registerHelper("t", function (this: unknown, key: string, options: Handlebars.HelperOptions) {
    const root = options.data?.root as { lang?: PortalLanguage } | undefined;
    const params = Object.fromEntries(Object.entries(options.hash as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    return translate(root?.lang ?? "en", key as MessageKey, params);
  });
  await app.register(view, {
    engine: { handlebars: hb },
    root: path.join(TEMPLATES_DIR, "portal"),
    layout: "layouts/main.hbs",
    viewExt: "hbs",
    production: true,
    options: { partials: { notice: "partials/notice.hbs", "code-form": "partials/code-form.hbs", "case-fields": "partials/case-fields.hbs" } },
  });

  const directory = new PortalDirectory(deps.db, opts.portalCacheMs);
  for (const p of portals) {
    await app.register(portalRoutes, {
      prefix: p.path,
      deps,
      redis,
      redisPrefix: opts.redisPrefix,
      portals: directory,
      portalKey: p.key,
      publicUrl: opts.publicUrl!,
      secureCookies: tls,
      session: opts.session,
      limits: opts.signInLimits,
      pageRatePerMinute: opts.pageRatePerMinute ?? 300,
    });
  }
  if (forms) await app.register(webFormRoutes, { prefix: "/forms", deps, redis, redisPrefix: opts.redisPrefix, publicUrl: opts.publicUrl!, secureCookies: tls, portals, session: opts.session });
  return app;
}

function registerMetrics(app: FastifyInstance, deps: Deps, redis: Redis): void {
  const registry = new Registry();
  const queueDepth = new Gauge({ name: "mailcase_queue_jobs", help: "Jobs per queue and state", labelNames: ["queue", "state"], registers: [registry] });
  const inbound = new Gauge({ name: "mailcase_inbound_messages", help: "Stored inbound messages by status", labelNames: ["status"], registers: [registry] });
  const oldest = new Gauge({ name: "mailcase_oldest_pending_inbound_seconds", help: "Age of the oldest unprocessed inbound message", registers: [registry] });
  const gaps = new Gauge({ name: "mailcase_imap_gap_messages", help: "Messages on the server never stored, at the last gap audit", labelNames: ["mailbox", "folder"], registers: [registry] });
  const outbound = new Gauge({ name: "mailcase_outbound_mails", help: "Outbox rows by status", labelNames: ["status"], registers: [registry] });
  const ratings = new Gauge({ name: "mailcase_satisfaction_ratings", help: "Customer satisfaction ratings by rating and whether a comment came with it", labelNames: ["rating", "commented"], registers: [registry] });

  const kbVisits = new Gauge({ name: "mailcase_kb_suggestion_visits", help: "New-case form visits of the last 30 days with knowledge base suggestions shown, opened, a case submitted, or deflected (opened, nothing submitted within 30 minutes)", labelNames: ["portal", "outcome"], registers: [registry] });

  async function collect(): Promise<void> {
    const now = deps.clock.now();
    for (const s of await suggestionStats(deps.db, now, new Date(now.getTime() - 30 * 86_400_000))) {
      kbVisits.set({ portal: s.portalKey, outcome: "shown" }, s.visitsShown);
      kbVisits.set({ portal: s.portalKey, outcome: "opened" }, s.visitsOpened);
      kbVisits.set({ portal: s.portalKey, outcome: "submitted" }, s.visitsSubmitted);
      kbVisits.set({ portal: s.portalKey, outcome: "deflected" }, s.deflections);
    }
    for (const q of Object.values(deps.queues)) {
      const counts = await q.getJobCounts("waiting", "active", "delayed", "failed");
      for (const [state, n] of Object.entries(counts)) queueDepth.set({ queue: q.name, state }, n);
    }
    for (const row of await deps.db.inboundMessage.groupBy({ by: ["status"], _count: { _all: true } })) inbound.set({ status: row.status }, row._count._all);
    for (const row of await deps.db.outboundMail.groupBy({ by: ["status"], _count: { _all: true } })) outbound.set({ status: row.status }, row._count._all);
    for (const rating of ["GOOD", "BAD"])
      for (const commented of [true, false])
        ratings.set({ rating, commented: String(commented) }, await deps.db.satisfactionRating.count({ where: { rating, comment: commented ? { not: null } : null } }));
    for (const c of await deps.db.mailboxCursor.findMany({ where: { auditGaps: { not: null } }, include: { mailbox: { select: { key: true } } } }))
      gaps.set({ mailbox: c.mailbox.key, folder: c.folder }, c.auditGaps ?? 0);
    const first = await deps.db.inboundMessage.findFirst({ where: { status: "PENDING" }, orderBy: { fetchedAt: "asc" }, select: { fetchedAt: true } });
    oldest.set(first ? (deps.clock.now().getTime() - first.fetchedAt.getTime()) / 1000 : 0);
  }

  app.get("/healthz", async (_req, reply) => {
    try {
      await deps.db.$queryRaw`SELECT 1`;
      await redis.ping();
      return reply.send({ status: "ok" });
    } catch (err) {
      return reply.code(503).send({ status: "unhealthy", error: (err as Error).message });
    }
  });
  app.get("/metrics", async (_req, reply) => {
    try {
      await collect();
      return reply.type(registry.contentType).send(await registry.metrics());
    } catch (err) {
      return reply.code(503).send({ status: "unhealthy", error: (err as Error).message });
    }
  });
}

export async function startWebServer(deps: Deps, redis: Redis, opts: WebOptions): Promise<{ close(): Promise<void>; port: number }> {
  const app = await buildWebApp(deps, redis, opts);
  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  deps.log.info({ host: opts.host, port }, "web listening");
  return { port, close: () => app.close() };
}

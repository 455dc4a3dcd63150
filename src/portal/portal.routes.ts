/**
 * HTTP routes of one portal, mounted at its path. Thin: every input is parsed with zod, every read goes
 * through cases.service.ts (built on the one exposure scope), every state change is a POST behind the CSRF
 * check and a same-origin check. Pages are server-rendered (templates/portal), work without JavaScript.
 */
import csrfProtection from "@fastify/csrf-protection";
import type {} from "@fastify/view";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { z } from "zod";
import { readFileSync } from "node:fs";
import path from "node:path";
import { formatCaseNumber } from "../case/case-number.ts";
import { TEMPLATES_DIR } from "../render/templates.ts";
import type { Deps } from "../kernel/deps.ts";
import { caseDetail, findAttachment, listCases, loadViewer, type CaseFilter } from "./cases.service.ts";
import { LANGUAGE_NAMES, pickLanguage, translate, type MessageKey } from "./i18n.ts";
import type { PortalDef, PortalLanguage } from "./portal-config.ts";
import type { PortalDirectory } from "./portals.ts";
import { renderPostBody } from "./render-body.ts";
import { createSession, loadSession, revokeAllSessions, revokeSession, type PortalSessionView, type SessionPolicy } from "./session.ts";
import { consumeCode, consumeLink, requestSignIn } from "./sign-in.service.ts";
import { acceptsReply, DESCRIPTION_MAX, openPortalCase, REPLY_MAX, replyFromPortal, setFollowing, SUBJECT_MAX } from "./portal-writes.ts";
import { writePortalMail } from "./portal-mail.ts";
import { enqueueSend } from "../pipeline/send/send.job.ts";

export interface PortalRouteOptions {
  deps: Deps;
  redis: Redis;
  redisPrefix: string;
  portals: PortalDirectory;
  portalKey: string;
  /** Base URL customers reach the web process at (sign-in links in mails). */
  publicUrl: string;
  /** Served over https (directly or behind a proxy that says so): `__Host-` cookies, Secure. */
  secureCookies: boolean;
  session: SessionPolicy;
  limits: SignInLimits;
  pageRatePerMinute: number;
}

export interface SignInLimits {
  perIpPerHour: number;
  globalPerHour: number;
  /** Per address: 3 in 15 minutes and 10 a day (portal.md §3.1). */
  perAddress15Min: number;
  perAddressDay: number;
}

interface Ctx {
  portal: PortalDef;
  lang: PortalLanguage;
  user: PortalSessionView | null;
}

declare module "fastify" {
  interface FastifyRequest {
    portalCtx: Ctx | null;
  }
}

const Email = z.string().trim().toLowerCase().max(254).pipe(z.email());
/** Where to go after signing in: only a page of this portal (no open redirect). */
const ReturnTo = z
  .string()
  .regex(/^\/cases(\/\d{1,12})?$/)
  .optional()
  .catch(undefined);
const Token = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
const CaseNumber = z.coerce.number().int().positive().max(2_147_483_647);
const ListQuery = z.object({
  filter: z.enum(["open", "waiting", "closed", "all"]).catch("open"),
  q: z.string().trim().max(200).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
const LangQuery = z.object({ lang: z.string().max(10).optional() }).passthrough();

const PORTAL_CSS = readFileSync(path.join(TEMPLATES_DIR, "portal", "portal.css"), "utf8");

const statusClass = (s: string): string => (s === "WAITING_ON_CUSTOMER" ? "waiting" : s === "RESOLVED" || s === "CLOSED" ? "done" : "open");
const sizeLabel = (n: number): string => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(0)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

export async function portalRoutes(app: FastifyInstance, opts: PortalRouteOptions): Promise<void> {
  const { deps } = opts;
  const first = await opts.portals.get(opts.portalKey);
  if (!first) throw new Error(`portal ${opts.portalKey} is not configured`);
  const base = first.path;
  const sessionCookie = opts.secureCookies ? `__Host-mc_${opts.portalKey}` : `mc_${opts.portalKey}`;
  const cookieBase = { path: "/", httpOnly: true, sameSite: "lax" as const, secure: opts.secureCookies };

  // Requests per client IP on every portal page (Redis, so the limit holds across web processes).
  await app.register(rateLimit, { global: true, max: opts.pageRatePerMinute, timeWindow: "1 minute", redis: opts.redis, nameSpace: `${opts.redisPrefix}:portal-rl:` });
  // CSRF: the secret lives in a signed, HttpOnly cookie; the token is a hidden form field. Registered as a
  // preHandler per route (below): onRequest would run before the form body is parsed (portal.md §3.3).
  await app.register(csrfProtection, {
    sessionPlugin: "@fastify/cookie",
    cookieKey: opts.secureCookies ? "__Host-mc_csrf" : "mc_csrf",
    cookieOpts: { ...cookieBase, signed: true },
    getToken: (req) => {
      const body = req.body;
      return body && typeof body === "object" && "_csrf" in body && typeof body._csrf === "string" ? body._csrf : undefined;
    },
  });

  const limiter = (name: string, points: number, duration: number) =>
    new RateLimiterRedis({ storeClient: opts.redis, keyPrefix: `${opts.redisPrefix}:portal:${name}`, points, duration });
  const perIp = limiter("signin-ip", opts.limits.perIpPerHour, 3600);
  const global = limiter("signin-global", opts.limits.globalPerHour, 3600);
  const perAddress = limiter("signin-addr", opts.limits.perAddress15Min, 900);
  const perAddressDay = limiter("signin-addr-day", opts.limits.perAddressDay, 86_400);
  const codeIp = limiter("code-ip", 30, 3600);

  /** True when the limiter still had room (and took a point). */
  const take = async (l: RateLimiterRedis, key: string): Promise<boolean> => {
    try {
      await l.consume(key);
      return true;
    } catch (err) {
      if (err instanceof RateLimiterRes) return false;
      throw err;
    }
  };

  app.decorateRequest("portalCtx", null);

  app.addHook("onRequest", async (req, reply) => {
    const portal = await opts.portals.get(opts.portalKey);
    if (!portal) {
      req.portalCtx = null;
      return;
    }
    let user: PortalSessionView | null = null;
    const raw = req.cookies[sessionCookie];
    if (raw) {
      const unsigned = req.unsignCookie(raw);
      if (unsigned.valid && unsigned.value) user = await loadSession(deps, opts.session, portal.key, unsigned.value);
    }
    const q = LangQuery.safeParse(req.query);
    const explicit = q.success ? q.data.lang : undefined;
    // The switcher's choice sticks for this browser (a plain preference cookie, nothing secret in it).
    if (explicit && (portal.languages as readonly string[]).includes(explicit)) reply.setCookie("mc_lang", explicit, { path: base, sameSite: "lax", secure: opts.secureCookies, maxAge: 365 * 86_400 });
    const choice = explicit ?? req.cookies.mc_lang;
    const lang = pickLanguage(portal.languages, choice, user?.locale, req.headers["accept-language"]);
    req.portalCtx = { portal, lang, user };
  });

  /** A state change must come from our own pages (CSRF token below, plus the browser's own word on origin). */
  const sameOrigin = async (req: FastifyRequest, reply: FastifyReply) => {
    const site = req.headers["sec-fetch-site"];
    if (site === "cross-site") return reply.code(403).send("cross-site request refused");
    const origin = req.headers.origin;
    if (origin && origin !== "null" && new URL(opts.publicUrl).origin !== origin && `${req.protocol}://${req.host}` !== origin)
      return reply.code(403).send("cross-origin request refused");
  };
  const post = { preHandler: [sameOrigin, app.csrfProtection] };

  app.setErrorHandler(async (err: Error & { code?: string; statusCode?: number }, req, reply) => {
    if (err.code === "FST_CSRF_INVALID_TOKEN" || err.code === "FST_CSRF_MISSING_SECRET") return page(req, reply.code(403), "error", { heading: t(req, "csrfTitle"), message: t(req, "csrfBody") }, t(req, "csrfTitle"));
    if (err.statusCode === 429) return page(req, reply.code(429), "error", { heading: t(req, "tooMany"), message: t(req, "tooMany") }, t(req, "tooMany"));
    deps.log.error({ err, url: req.url }, "portal request failed");
    return reply.code(500).send("internal error");
  });
  app.setNotFoundHandler(async (req, reply) => notFound(req, reply));

  const ctx = (req: FastifyRequest): Ctx => {
    if (!req.portalCtx) throw Object.assign(new Error("portal gone"), { statusCode: 404 });
    return req.portalCtx;
  };
  const t = (req: FastifyRequest, key: MessageKey, params: Record<string, string | number> = {}) => translate(req.portalCtx?.lang ?? "en", key, params);

  async function page(req: FastifyRequest, reply: FastifyReply, view: string, data: Record<string, unknown>, title: string) {
    const c = req.portalCtx;
    const lang = c?.lang ?? "en";
    const pathOnly = req.url.split("?")[0] ?? base;
    const current = new URLSearchParams(req.url.includes("?") ? req.url.slice(req.url.indexOf("?") + 1) : "");
    const switcher = (c?.portal.languages ?? []).length > 1
      ? (c?.portal.languages ?? []).map((code) => {
          current.set("lang", code);
          return { code, name: LANGUAGE_NAMES[code], href: `${pathOnly}?${current.toString()}`, current: code === lang };
        })
      : [];
    reply.header("cache-control", "no-store");
    return reply.view(view, { ...data, title, lang, base, portal: c?.portal ?? first, user: c?.user ?? null, csrf: reply.generateCsrf(), switcher });
  }

  function notFound(req: FastifyRequest, reply: FastifyReply) {
    return page(req, reply.code(404), "error", { heading: t(req, "notFoundTitle"), message: t(req, "notFoundBody") }, t(req, "notFoundTitle"));
  }

  /** Pages for signed-in users: signed out, go to sign-in and come back here afterwards. */
  function requireUser(req: FastifyRequest, reply: FastifyReply): PortalSessionView | null {
    const user = ctx(req).user;
    if (user) return user;
    const back = ReturnTo.parse(req.url.split("?")[0]?.slice(base.length));
    void reply.redirect(`${base}/sign-in${back ? `?returnTo=${encodeURIComponent(back)}` : ""}`, 303);
    return null;
  }

  async function signedIn(req: FastifyRequest, reply: FastifyReply, contactId: number, returnTo: string | null) {
    const c = ctx(req);
    const created = await createSession(deps, opts.session, { contactId, portalKey: c.portal.key, userAgent: req.headers["user-agent"] ?? null });
    if (!created) return notFound(req, reply);
    // A new session id at every sign-in (fixation), and a fresh CSRF secret for the signed-in pages.
    reply.setCookie(sessionCookie, created.value, { ...cookieBase, signed: true, maxAge: Math.floor(opts.session.absoluteMs / 1000) });
    reply.clearCookie(opts.secureCookies ? "__Host-mc_csrf" : "mc_csrf", cookieBase);
    void alertNewSignIn(c, contactId, created.sessionId, req.headers["user-agent"] ?? "").catch((err: Error) => deps.log.error({ err }, "portal: new sign-in mail failed"));
    return reply.redirect(`${base}${ReturnTo.parse(returnTo ?? undefined) ?? "/cases"}`, 303);
  }

  async function alertNewSignIn(c: Ctx, contactId: number, sessionId: number, userAgent: string): Promise<void> {
    const contact = await deps.db.contact.findUniqueOrThrow({ where: { id: contactId } });
    const mailbox = await deps.db.mailbox.findFirst({ where: { active: true }, orderBy: { id: "asc" } });
    if (!mailbox) return;
    const rendered = deps.templates.render(contact.locale, "new-sign-in", {
      contactName: contact.name || contact.email,
      portalName: c.portal.name,
      supportName: mailbox.displayName,
      when: deps.clock.now().toISOString().replace("T", " ").slice(0, 16) + " UTC",
      browser: userAgent.slice(0, 120) || "unknown browser",
      signOutLink: `${opts.publicUrl}${base}/account`,
    });
    const id = await deps.db.$transaction((tx) => writePortalMail(tx, { recipientKey: `s${sessionId}`, contactId, to: contact.email, rendered, mailbox }));
    if (id !== null) await enqueueSend(deps.queues.send, [id]);
  }

  // ---- pages -------------------------------------------------------------------------------------------

  app.get("/", async (req, reply) => reply.redirect(`${base}${ctx(req).user ? "/cases" : "/sign-in"}`, 303));

  app.get("/assets/portal.css", async (_req, reply) => reply.type("text/css; charset=utf-8").header("cache-control", "public, max-age=3600").send(PORTAL_CSS));
  app.get("/assets/theme.css", async (req, reply) =>
    reply
      .type("text/css; charset=utf-8")
      .header("cache-control", "public, max-age=300")
      .send(`:root { --primary: ${ctx(req).portal.theme.primaryColor}; }\n`),
  );

  app.get("/sign-in", async (req, reply) => {
    const q = z.object({ email: Email.optional().catch(undefined), returnTo: ReturnTo }).parse(req.query);
    if (ctx(req).user) return reply.redirect(`${base}${q.returnTo ?? "/cases"}`, 303);
    return page(req, reply, "sign-in", { email: q.email ?? "", returnTo: q.returnTo ?? "" }, t(req, "signIn"));
  });

  app.post("/sign-in", post, async (req, reply) => {
    const c = ctx(req);
    const body = z.object({ email: Email, returnTo: ReturnTo }).safeParse(req.body);
    if (!body.success) return page(req, reply.code(400), "sign-in", { error: t(req, "signInIntro"), email: "" }, t(req, "signIn"));
    const ip = req.ip;
    if (!(await take(perIp, ip)) || !(await take(global, "all"))) return page(req, reply.code(429), "sign-in", { error: t(req, "tooMany"), email: body.data.email }, t(req, "signIn"));
    // Per address: over the limit, nothing is sent, and the answer is the same as always.
    const addressOk = (await take(perAddress, body.data.email)) && (await take(perAddressDay, body.data.email));
    if (addressOk) {
      // After the answer: the response takes the same time for every address (known or not), and the mail
      // goes out through the send queue.
      const input = { email: body.data.email, returnTo: body.data.returnTo ?? null, publicUrl: opts.publicUrl, lang: c.lang };
      setImmediate(() => void requestSignIn(deps, c.portal, input).then((o) => deps.log.info({ portal: c.portal.key, outcome: o.kind }, "portal sign-in request"), (err: Error) => deps.log.error({ err }, "portal sign-in request failed")));
    }
    return page(req, reply, "sign-in-sent", { email: body.data.email, sentBody: t(req, "sentBody", { email: body.data.email }) }, t(req, "sentTitle"));
  });

  app.post("/sign-in/code", post, async (req, reply) => {
    const body = z.object({ email: Email, code: z.string().trim().regex(/^\d{6}$/) }).safeParse(req.body);
    const email = z.object({ email: Email }).safeParse(req.body);
    if (!(await take(codeIp, req.ip))) return page(req, reply.code(429), "sign-in", { error: t(req, "tooMany"), email: email.success ? email.data.email : "" }, t(req, "signIn"));
    const consumed = body.success ? await consumeCode(deps, ctx(req).portal, body.data.email, body.data.code) : null;
    if (!consumed) return page(req, reply.code(400), "sign-in", { error: t(req, "codeInvalid"), email: email.success ? email.data.email : "" }, t(req, "signIn"));
    return signedIn(req, reply, consumed.contactId, consumed.returnTo);
  });

  // GET only shows a button: mail scanners that follow links must not use the link up (portal.md §3.1).
  app.get("/sign-in/:token", async (req, reply) => {
    const p = z.object({ token: Token }).safeParse(req.params);
    if (!p.success) return page(req, reply.code(400), "sign-in", { error: t(req, "linkInvalid"), email: "" }, t(req, "signIn"));
    return page(req, reply, "confirm", { action: `${base}/sign-in/${p.data.token}`, confirmBody: t(req, "confirmBody", { portal: ctx(req).portal.name }) }, t(req, "confirmTitle"));
  });

  app.post("/sign-in/:token", post, async (req, reply) => {
    const p = z.object({ token: Token }).safeParse(req.params);
    const consumed = p.success ? await consumeLink(deps, ctx(req).portal, p.data.token) : null;
    if (!consumed) return page(req, reply.code(400), "sign-in", { error: t(req, "linkInvalid"), email: "" }, t(req, "signIn"));
    return signedIn(req, reply, consumed.contactId, consumed.returnTo);
  });

  app.post("/sign-out", post, async (req, reply) => {
    const user = ctx(req).user;
    if (user) await revokeSession(deps, user.sessionId);
    reply.clearCookie(sessionCookie, cookieBase);
    return reply.redirect(`${base}/sign-in`, 303);
  });

  app.get("/account", async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    return page(req, reply, "account", { accountIntro: t(req, "accountIntro", { email: user.email }) }, t(req, "account"));
  });

  app.post("/sign-out-everywhere", post, async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    await revokeAllSessions(deps, user.contactId);
    reply.clearCookie(sessionCookie, cookieBase);
    req.portalCtx = { ...ctx(req), user: null };
    return page(req, reply, "sign-in", { notice: t(req, "signedOutEverywhere"), email: user.email }, t(req, "signIn"));
  });

  const numberSettings = async () => {
    const s = await deps.db.settings.findUnique({ where: { id: 1 } });
    const prefix = s?.caseTagPrefix ?? "MC";
    const format = s?.caseNumberFormat ?? "{prefix}-{n}";
    return (number: number, createdAt: Date) => formatCaseNumber(format, { prefix, number, createdAt });
  };
  const dateFmt = (lang: PortalLanguage) => new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

  app.get("/cases", async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    const c = ctx(req);
    const q = ListQuery.parse(req.query);
    const viewer = await loadViewer(deps, user);
    const result = await listCases(deps, c.portal, viewer, { filter: q.filter as CaseFilter, text: q.q || null, page: q.page });
    const numbers = await numberSettings();
    const fmt = dateFmt(c.lang);
    const href = (over: Record<string, string | number>) => {
      const params = new URLSearchParams({ filter: q.filter, ...(q.q ? { q: q.q } : {}), ...Object.fromEntries(Object.entries(over).map(([k, v]) => [k, String(v)])) });
      return `${base}/cases?${params.toString()}`;
    };
    const filters = (["open", "waiting", "closed", "all"] as const).map((f) => ({
      label: t(req, f === "open" ? "filterOpen" : f === "waiting" ? "filterWaiting" : f === "closed" ? "filterClosed" : "filterAll"),
      href: href({ filter: f, page: 1 }),
      current: f === q.filter,
    }));
    const rows = result.rows.map((r) => ({
      href: `${base}/cases/${r.number}`,
      display: numbers(r.number, r.updatedAt),
      subject: r.subject,
      statusLabel: t(req, `status.${r.status}` as MessageKey),
      statusClass: statusClass(r.status),
      updated: fmt.format(r.updatedAt),
      updatedIso: r.updatedAt.toISOString(),
    }));
    return page(
      req,
      reply,
      "cases",
      {
        filters,
        filter: q.filter,
        q: q.q ?? "",
        rows,
        labels: { number: t(req, "colNumber"), subject: t(req, "colSubject"), status: t(req, "colStatus"), updated: t(req, "colUpdated") },
        showPager: result.pages > 1,
        pageOf: t(req, "pageOf", { page: q.page, pages: result.pages }),
        prevHref: q.page > 1 ? href({ page: q.page - 1 }) : null,
        nextHref: q.page < result.pages ? href({ page: q.page + 1 }) : null,
      },
      t(req, "myCases"),
    );
  });

  async function casePage(req: FastifyRequest, reply: FastifyReply, user: PortalSessionView, number: number, extra: { notice?: string; error?: string } = {}) {
    const c = ctx(req);
    const viewer = await loadViewer(deps, user);
    const found = await caseDetail(deps, c.portal, viewer, number);
    if (!found) return notFound(req, reply);
    const numbers = await numberSettings();
    const settings = await deps.db.settings.findUnique({ where: { id: 1 }, select: { closedReplyPolicy: true } });
    const following = (await deps.db.follower.count({ where: { caseId: found.id, contactId: user.contactId } })) > 0;
    const fmt = dateFmt(c.lang);
    const posts = found.posts.map((post) => ({
      id: post.id,
      private: post.visibility === "PRIVATE",
      fromSupport: post.authorAgent !== null,
      // Agents by display name only (never their address); the viewer as "You"; other contacts by name.
      author: post.authorAgent
        ? post.authorAgent.name
        : post.authorContact
          ? post.authorContact.id === user.contactId
            ? t(req, "you")
            : post.authorContact.name || post.authorContact.email
          : t(req, "support"),
      created: fmt.format(post.createdAt),
      createdIso: post.createdAt.toISOString(),
      html: renderPostBody({ body: post.body }, t(req, "image")),
      attachments: post.attachments.map((a) => ({ href: `${base}/attachments/${a.id}`, name: a.filename || `attachment-${a.id}`, size: sizeLabel(a.size) })),
    }));
    return page(
      req,
      reply,
      "case",
      {
        ...extra,
        number: found.number,
        display: numbers(found.number, found.createdAt),
        subject: found.subject,
        statusLabel: t(req, `status.${found.status}` as MessageKey),
        statusClass: statusClass(found.status),
        priorityLabel: t(req, `priority.${found.priority}` as MessageKey),
        created: fmt.format(found.createdAt),
        createdIso: found.createdAt.toISOString(),
        posts,
        following,
        canReply: acceptsReply(found.status, settings?.closedReplyPolicy ?? "new-linked-case"),
        labels: { private: t(req, "privateToYou"), attachments: t(req, "attachments") },
      },
      `${numbers(found.number, found.createdAt)} ${found.subject}`,
    );
  }

  app.get("/cases/:number", async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    const p = z.object({ number: CaseNumber }).safeParse(req.params);
    if (!p.success) return notFound(req, reply);
    const q = z.object({ sent: z.literal("1").optional().catch(undefined), opened: z.literal("1").optional().catch(undefined) }).parse(req.query);
    return casePage(req, reply, user, p.data.number, q.sent ? { notice: t(req, "replySent") } : q.opened ? { notice: t(req, "caseOpened") } : {});
  });

  // A reply: only the text comes from the form; the case is looked up through the viewer's scope.
  app.post("/cases/:number/reply", post, async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    const p = z.object({ number: CaseNumber }).safeParse(req.params);
    if (!p.success) return notFound(req, reply);
    const body = z.object({ text: z.string().trim().min(1).max(REPLY_MAX) }).safeParse(req.body);
    if (!body.success) return casePage(req, reply.code(400), user, p.data.number, { error: t(req, "replyEmpty") });
    const viewer = await loadViewer(deps, user);
    const outcome = await replyFromPortal(deps, ctx(req).portal, viewer, p.data.number, body.data.text);
    if (outcome.kind === "not-found") return notFound(req, reply);
    if (outcome.kind === "closed") return casePage(req, reply.code(409), user, p.data.number, { error: t(req, "closedNoReply") });
    // Post/redirect/get: a reload does not post twice.
    return reply.redirect(`${base}/cases/${p.data.number}?sent=1#reply-title`, 303);
  });

  app.get("/cases/new", async (req, reply) => {
    if (!requireUser(req, reply)) return reply;
    return page(req, reply, "new-case", { subject: "", description: "" }, t(req, "newCase"));
  });

  // Only subject and description are read from the form (anything else in the body is ignored).
  app.post("/cases/new", post, async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    const body = z.object({ subject: z.string().trim().min(1).max(SUBJECT_MAX), description: z.string().trim().min(1).max(DESCRIPTION_MAX) }).safeParse(req.body);
    if (!body.success) {
      const raw = z.object({ subject: z.string().max(SUBJECT_MAX).catch(""), description: z.string().max(DESCRIPTION_MAX).catch("") }).parse(req.body ?? {});
      return page(req, reply.code(400), "new-case", { error: t(req, "newCaseMissing"), ...raw }, t(req, "newCase"));
    }
    const opened = await openPortalCase(deps, await loadViewer(deps, user), user.email, body.data);
    if (!opened) return reply.code(503).send("no mailbox configured");
    return reply.redirect(`${base}/cases/${opened.number}?opened=1`, 303);
  });

  app.post("/cases/:number/follow", post, async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    const p = z.object({ number: CaseNumber }).safeParse(req.params);
    const body = z.object({ follow: z.enum(["0", "1"]) }).safeParse(req.body);
    if (!p.success) return notFound(req, reply);
    if (!body.success) return casePage(req, reply.code(400), user, p.data.number);
    const done = await setFollowing(deps, ctx(req).portal, await loadViewer(deps, user), p.data.number, body.data.follow === "1");
    if (done === "not-found") return notFound(req, reply);
    return reply.redirect(`${base}/cases/${p.data.number}`, 303);
  });

  app.get("/attachments/:id", async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    const p = z.object({ id: CaseNumber }).safeParse(req.params);
    if (!p.success) return notFound(req, reply);
    const viewer = await loadViewer(deps, user);
    const a = await findAttachment(deps, ctx(req).portal, viewer, p.data.id);
    if (!a) return notFound(req, reply);
    // Always a download, never rendered by the browser on our origin (HTML/SVG would run as our pages).
    const filename = (a.filename || `attachment-${p.data.id}`).replace(/[\r\n"\\]/g, "_");
    return reply
      .header("content-type", "application/octet-stream")
      .header("content-disposition", `attachment; filename="${filename.replace(/[^\x20-\x7e]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(filename)}`)
      .header("x-content-type-options", "nosniff")
      .header("cache-control", "private, no-store")
      .send(Buffer.from(a.blob.data));
  });
}

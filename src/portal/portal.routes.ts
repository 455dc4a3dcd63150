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
import { TEMPLATES_DIR } from "../render/templates.ts";
import type { Deps } from "../kernel/deps.ts";
import { LANGUAGE_NAMES, pickLanguage, translate, type MessageKey } from "./i18n.ts";
import type { PortalDef, PortalLanguage } from "./portal-config.ts";
import type { PortalDirectory } from "./portals.ts";
import { createSession, loadSession, revokeAllSessions, revokeSession, type PortalSessionView, type SessionPolicy } from "./session.ts";
import { consumeCode, consumeLink, grantSelfRegistration, requestSignIn } from "./sign-in.service.ts";
import { registerCasePages } from "./portal-case-pages.ts";
import { registerKbPages } from "../kb/kb.routes.ts";
import { registerPreferencesPage } from "./portal-preferences.ts";
import { formText } from "./web-form-i18n.ts";
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
const LangQuery = z.object({ lang: z.string().max(10).optional() }).passthrough();

const PORTAL_CSS = readFileSync(path.join(TEMPLATES_DIR, "portal", "portal.css"), "utf8");


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
    // An update mail's link names its recipient: the sign-in form comes filled in (no token in mails).
    const email = z.object({ email: Email.optional().catch(undefined) }).catch({}).parse(req.query).email;
    const params = new URLSearchParams({ ...(back ? { returnTo: back } : {}), ...(email ? { email } : {}) }).toString();
    void reply.redirect(`${base}/sign-in${params ? `?${params}` : ""}`, 303);
    return null;
  }

  async function signedIn(req: FastifyRequest, reply: FastifyReply, contactId: number, returnTo: string | null) {
    const c = ctx(req);
    await grantSelfRegistration(deps, c.portal, contactId);
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
    return page(req, reply, "account", { accountIntro: t(req, "accountIntro", { email: user.email }), preferencesLink: formText(ctx(req).lang, "preferences") }, t(req, "account"));
  });

  app.post("/sign-out-everywhere", post, async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    await revokeAllSessions(deps, user.contactId);
    reply.clearCookie(sessionCookie, cookieBase);
    req.portalCtx = { ...ctx(req), user: null };
    return page(req, reply, "sign-in", { notice: t(req, "signedOutEverywhere"), email: user.email }, t(req, "signIn"));
  });

  registerCasePages(app, { deps, base, post, ctx, t, page, notFound, requireUser });
  registerKbPages(app, { deps, base, post, ctx, t, page, notFound, requireUser });
  registerPreferencesPage(app, { deps, base, post, ctx, t, page, notFound, requireUser });
}

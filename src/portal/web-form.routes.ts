/**
 * Public web-to-case forms at /forms/<key> (portal.md §3.5): no account, no third party. A submission must
 * pass, in this order (cheap checks first, each refusal a clear page and nothing stored):
 *
 * 1. the signed form token (ours, this form, not expired) and the minimum fill time;
 * 2. the honeypot (a field hidden from people and from the accessibility tree, named per page);
 * 3. rate limits per client IP (hour and day) and for the form as a whole;
 * 4. the proof of work (ALTCHA, each solution once), or without JavaScript the slower server check: the
 *    form must have been open `noScriptMinFillSeconds`, under a tighter per-IP limit;
 * 5. the fields (built-in and custom, each checked by type; errors shown at the field);
 * 6. a rate limit per address named in the form; files by count, size and type (declared and sniffed).
 *
 * Then web-form.service.ts keeps it pending until the address confirms (or opens it at once for a portal user
 * signed in with that address). Frame embedding is allowed per form (CSP frame-ancestors).
 */
import { KB_SUGGEST_JS, suggestView, webFormKbPortal } from "../kb/suggest-view.ts";
import { recordSuggestionEvent, VisitIdSchema } from "../kb/suggestion-events.ts";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import Handlebars from "handlebars";
import type { Redis } from "ioredis";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { z } from "zod";
import { formatCaseNumber } from "../case/case-number.ts";
import { keysFor } from "../config/secrets.ts";
import type { Deps } from "../kernel/deps.ts";
import { TEMPLATES_DIR } from "../render/templates.ts";
import { LANGUAGE_NAMES, pickLanguage } from "./i18n.ts";
import type { PortalDef, PortalLanguage } from "./portal-config.ts";
import { loadSession, type SessionPolicy } from "./session.ts";
import { localize, type WebFormConfig } from "./web-form-config.ts";
import { fieldViews, readSubmission, type Body, type FieldError } from "./web-form-fields.ts";
import { loadCatalogue } from "../case/case-fields-store.ts";
import { caseFieldInputs, customerFieldDefs, readCaseFields, type CaseFieldError } from "./case-field-form.ts";
import { formText, problemKey, type FormMessageKey } from "./web-form-i18n.ts";
import { checkSolution, newChallenge } from "./web-form-pow.ts";
import { loadWebForm } from "./web-form-store.ts";
import { checkFormToken, honeypotName, newNonce, signFormToken } from "./web-form-token.ts";
import { confirmWebForm, submitWebForm, type StoredFile } from "./web-form.service.ts";
import { isPartLimitError, readUploads, sizeLabel, type UploadProblem, type Uploaded } from "./uploads.ts";

function uploadText(lang: PortalLanguage, p: UploadProblem): string {
  if (p.problem === "too-many") return formText(lang, "tooManyFiles", { n: p.max });
  if (p.problem === "type") return formText(lang, "fileType", { name: p.name, types: p.types.join(", ") });
  // A too-long text field reads like a too-large file; "total" has no name (and no cap below files × size here).
  return formText(lang, "fileTooLarge", { name: p.problem === "total" ? "" : p.name, size: sizeLabel(p.max) });
}

export interface WebFormRouteOptions {
  deps: Deps;
  redis: Redis;
  redisPrefix: string;
  publicUrl: string;
  secureCookies: boolean;
  /** Portals whose signed-in users may open a case at once with their own address. */
  portals: readonly PortalDef[];
  session: SessionPolicy;
}

const require = createRequire(import.meta.url);
const ALTCHA_JS = path.dirname(require.resolve("altcha/external"));
const asset = (file: string) => readFileSync(file, "utf8");
const ASSETS: Record<string, { type: string; body: string }> = {
  "portal.css": { type: "text/css; charset=utf-8", body: asset(path.join(TEMPLATES_DIR, "portal", "portal.css")) + asset(path.join(TEMPLATES_DIR, "portal", "web-form.css")) },
  "altcha.js": { type: "text/javascript; charset=utf-8", body: asset(path.join(ALTCHA_JS, "altcha.js")) },
  "altcha.css": { type: "text/css; charset=utf-8", body: asset(path.join(ALTCHA_JS, "altcha.css")) },
  "altcha-pbkdf2.js": { type: "text/javascript; charset=utf-8", body: asset(path.join(ALTCHA_JS, "..", "workers", "pbkdf2.js")) },
  "kb-suggest.js": { type: "text/javascript; charset=utf-8", body: KB_SUGGEST_JS },
  // The external build bundles no workers (so the CSP needs no blob: or inline script): register ours.
  "form.js": {
    type: "text/javascript; charset=utf-8",
    body: "globalThis.$altcha?.algorithms.set('PBKDF2/SHA-256', () => new Worker('/forms/assets/altcha-pbkdf2.js'));\n",
  },
};

const FormKey = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,59}$/);
const ConfirmToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

const hb = Handlebars.create();
const compile = (name: string) => hb.compile(readFileSync(path.join(TEMPLATES_DIR, "portal", name), "utf8"), { strict: false });
// The catalogue fields' inputs, shared with the portal's new-case page.
hb.registerPartial("case-fields", readFileSync(path.join(TEMPLATES_DIR, "portal", "partials", "case-fields.hbs"), "utf8"));
const LAYOUT = compile("layouts/form.hbs");
const VIEWS = { form: compile("web-form.hbs"), message: compile("web-form-message.hbs") };


export async function webFormRoutes(app: FastifyInstance, opts: WebFormRouteOptions): Promise<void> {
  const { deps } = opts;
  const limiters = new Map<string, RateLimiterRedis>();
  const limiter = (name: string, points: number, duration: number) => {
    const id = `${name}:${points}:${duration}`;
    let l = limiters.get(id);
    if (!l) {
      l = new RateLimiterRedis({ storeClient: opts.redis, keyPrefix: `${opts.redisPrefix}:webform:${name}`, points, duration });
      limiters.set(id, l);
    }
    return l;
  };
  const take = async (l: RateLimiterRedis, key: string): Promise<boolean> => {
    try {
      await l.consume(key);
      return true;
    } catch (err) {
      if (err instanceof RateLimiterRes) return false;
      throw err;
    }
  };
  const formKeys = () => keysFor(deps.secret, "form");

  const langOf = (req: FastifyRequest, offered: readonly PortalLanguage[], body?: Body): PortalLanguage => {
    const q = z.object({ lang: z.string().max(10).optional() }).catch({}).parse(req.query);
    return pickLanguage(offered, q.lang ?? body?.lang, undefined, req.headers["accept-language"]);
  };

  /** The page's CSP: the site's own, with the frames this form may appear in. */
  const csp = (form: WebFormConfig | null) =>
    [
      "default-src 'self'",
      "img-src 'self' data:",
      "style-src 'self'",
      "script-src 'self'",
      "worker-src 'self'",
      "connect-src 'self'",
      "form-action 'self'",
      `frame-ancestors ${form && form.frameAncestors.length > 0 ? form.frameAncestors.join(" ") : "'none'"}`,
      "base-uri 'none'",
      "object-src 'none'",
      ...(opts.secureCookies ? ["upgrade-insecure-requests"] : []),
    ].join("; ");

  function render(reply: FastifyReply, form: WebFormConfig | null, lang: PortalLanguage, view: keyof typeof VIEWS, data: Record<string, unknown>, title: string) {
    const s = Object.fromEntries(["skip", "language", "required", "honeypotLabel", "files", "send", "spamCheck", "confirm"].map((k) => [k, formText(lang, k as FormMessageKey)]));
    const req = reply.request;
    const pathOnly = req.url.split("?")[0] ?? "/forms";
    const switcher = form && form.languages.length > 1 && view === "form" ? form.languages.map((code) => ({ code, name: LANGUAGE_NAMES[code], href: `${pathOnly}?lang=${code}`, current: code === lang })) : [];
    const all = { ...data, s, lang, title, switcher };
    const html = LAYOUT({ ...all, body: VIEWS[view](all) });
    reply.header("content-security-policy", csp(form)).header("cache-control", "no-store");
    if (form && form.frameAncestors.length > 0) reply.removeHeader("x-frame-options");
    return reply.type("text/html; charset=utf-8").send(html);
  }

  const message = (reply: FastifyReply, form: WebFormConfig | null, lang: PortalLanguage, code: number, heading: string, parts: { error?: string; paragraphs?: string[]; action?: string }) =>
    render(reply.code(code), form, lang, "message", { heading, ...parts }, heading);

  async function formPage(reply: FastifyReply, form: WebFormConfig, lang: PortalLanguage, state: { token: string; nonce: string; body: Body; errors?: FieldError[]; caseFieldErrors?: CaseFieldError[]; error?: string; fileError?: string; code?: number }) {
    const kbPortal = await webFormKbPortal(deps.db, opts.portals);
    const kbSuggest = kbPortal ? await suggestView(deps.db, kbPortal, lang, false) : null;
    const errors = new Map((state.errors ?? []).map((e) => [e.field, formText(lang, problemKey(e.problem))]));
    const builtin = (key: string, label: FormMessageKey, kind: { type?: string; textarea?: boolean; maxLength: number; required: boolean; autocomplete?: string }) => ({
      key,
      id: `f-${key}`,
      label: formText(lang, label),
      required: kind.required,
      isTextarea: kind.textarea ?? false,
      inputType: kind.type ?? "text",
      maxLength: kind.maxLength,
      autocomplete: kind.autocomplete ?? null,
      value: state.body[key] ?? "",
      error: errors.get(key) ?? null,
      kb: key === "subject" ? kbSuggest : null,
    });
    const att = form.attachments;
    return render(
      reply.code(state.code ?? 200),
      form,
      lang,
      "form",
      {
        key: form.key,
        heading: localize(form.title, lang),
        intro: localize(form.intro, lang),
        error: state.error ?? (state.errors?.length || state.caseFieldErrors?.length ? formText(lang, "fixFields") : null),
        token: state.token,
        honeypot: honeypotName(state.nonce),
        builtins: [
          builtin("email", "email", { type: "email", maxLength: 254, required: true, autocomplete: "email" }),
          builtin("name", "name", { maxLength: 200, required: false, autocomplete: "name" }),
          builtin("subject", "subject", { maxLength: 255, required: true }),
          builtin("description", "description", { textarea: true, maxLength: 32_000, required: true }),
        ],
        fields: fieldViews(form, lang, state.body, errors),
        caseFields: caseFieldInputs(customerFieldDefs((await loadCatalogue(deps.db)).fields, form.caseFields), lang, state.body, state.caseFieldErrors ?? []),
        files: att.maxFiles > 0 ? { accept: att.types.join(","), help: formText(lang, "filesHelp", { n: att.maxFiles, size: sizeLabel(att.maxFileBytes), types: att.types.join(", ") }), error: state.fileError ?? null } : null,
        pow: true,
        kbSuggest,
        noScript: formText(lang, "noScript", { seconds: form.noScriptMinFillSeconds }),
      },
      localize(form.title, lang),
    );
  }

  async function loadForm(req: FastifyRequest, reply: FastifyReply): Promise<WebFormConfig | null> {
    const p = z.object({ key: FormKey }).safeParse(req.params);
    const loaded = p.success ? await loadWebForm(deps.db, p.data.key) : { kind: "missing" as const };
    if (loaded.kind === "form") return loaded.form;
    if (loaded.kind === "invalid") deps.log.error({ form: p.success ? p.data.key : null, error: loaded.error }, "web form definition is invalid: not served");
    const lang = langOf(req, ["en", "cs", "pl", "zh"]);
    await message(reply, null, lang, 404, formText(lang, "notFound"), {});
    return null;
  }

  /** The portal user signed in (any portal) in this browser, if any: they may skip the confirmation mail. */
  async function signedInContact(req: FastifyRequest): Promise<number | null> {
    for (const p of opts.portals) {
      const raw = req.cookies[opts.secureCookies ? `__Host-mc_${p.key}` : `mc_${p.key}`];
      if (!raw) continue;
      const unsigned = req.unsignCookie(raw);
      if (!unsigned.valid || !unsigned.value) continue;
      const s = await loadSession(deps, opts.session, p.key, unsigned.value);
      if (s) return s.contactId;
    }
    return null;
  }

  // ---- routes ------------------------------------------------------------------------------------------

  app.get("/assets/:file", async (req, reply) => {
    const p = z.object({ file: z.string().max(40) }).safeParse(req.params);
    const a = p.success ? ASSETS[p.data.file] : undefined;
    if (!a) return reply.code(404).type("text/plain").send("not found");
    return reply.type(a.type).header("cache-control", "public, max-age=3600").header("cross-origin-resource-policy", "same-origin").send(a.body);
  });

  app.get("/:key", async (req, reply) => {
    const form = await loadForm(req, reply);
    if (!form) return reply;
    const lang = langOf(req, form.languages);
    const nonce = newNonce();
    const token = signFormToken(formKeys()[0]!, { formKey: form.key, issuedAt: deps.clock.now().getTime(), nonce });
    return formPage(reply, form, lang, { token, nonce, body: {} });
  });

  // The widget fetches a fresh challenge (JSON); the form's own token still has to come with the submission.
  app.get("/:key/challenge", async (req, reply) => {
    const form = await loadForm(req, reply);
    if (!form) return reply;
    // Challenges are cheap to make but not free: a client asking for thousands gets none.
    if (!(await take(limiter(`${form.key}:challenge-ip`, 120, 60), req.ip))) return reply.code(429).type("text/plain").send("too many requests");
    const challenge = await newChallenge(formKeys()[0]!, form.key, form.pow, deps.clock.now().getTime());
    return reply.header("cache-control", "no-store").send(challenge);
  });

  app.post("/:key", async (req, reply) => {
    const form = await loadForm(req, reply);
    if (!form) return reply;
    let received: Uploaded;
    try {
      received = await readUploads(req, form.attachments);
    } catch (err) {
      if (isPartLimitError(err)) {
        const lang = langOf(req, form.languages);
        return message(reply, form, lang, 413, localize(form.title, lang), { error: formText(lang, "tooManyFiles", { n: form.attachments.maxFiles }) });
      }
      throw err;
    }
    const body = received.body;
    const lang = langOf(req, form.languages, body);
    const title = localize(form.title, lang);
    const refuse = (code: number, key: FormMessageKey, params: Record<string, string | number> = {}) => message(reply, form, lang, code, title, { error: formText(lang, key, params) });
    const now = deps.clock.now().getTime();

    // 1. Our token, for this form, not expired, not submitted faster than a person can type.
    const check = checkFormToken(formKeys(), body.token ?? "", form.key, now, { minFillMs: form.minFillSeconds * 1000, ttlMs: form.tokenTtlMinutes * 60_000 });
    if (check.kind === "invalid") return refuse(400, "tokenInvalid");
    if (check.kind === "expired") return refuse(400, "tokenExpired");
    if (check.kind === "too-fast") return refuse(400, "tooFast");
    const { nonce } = check.claims;
    const again = (extra: { errors?: FieldError[]; caseFieldErrors?: CaseFieldError[]; error?: string; fileError?: string; code: number }) => formPage(reply, form, lang, { token: body.token!, nonce, body, ...extra });

    // 2. The honeypot: people do not see it, so whatever fills it is a program.
    if ((body[honeypotName(nonce)] ?? "") !== "") {
      deps.log.info({ form: form.key, ip: req.ip }, "web form: honeypot filled, refused");
      return refuse(400, "honeypot");
    }

    // 3. Rate limits per client IP and for the whole form.
    const l = form.limits;
    const ipOk = (await take(limiter(`${form.key}:ip-h`, l.perIpPerHour, 3600), req.ip)) && (await take(limiter(`${form.key}:ip-d`, l.perIpPerDay, 86_400), req.ip));
    if (!ipOk || !(await take(limiter(`${form.key}:all-d`, l.globalPerDay, 86_400), "all"))) return refuse(429, "tooMany");

    // 4. Proof of work; without JavaScript, the slower server check instead.
    const pow = body.altcha ?? "";
    if (pow) {
      const r = await checkSolution(formKeys(), pow, form.key, opts.redis, opts.redisPrefix, now);
      if (r.kind === "replayed") return refuse(400, "powReplayed");
      if (r.kind !== "ok") return refuse(400, "powInvalid");
    } else {
      const waited = now - check.claims.issuedAt;
      const needed = form.noScriptMinFillSeconds * 1000;
      if (waited < needed) return again({ code: 400, error: formText(lang, "noScriptWait", { seconds: form.noScriptMinFillSeconds, wait: Math.ceil((needed - waited) / 1000) }) });
      if (!(await take(limiter(`${form.key}:noscript-ip`, l.noScriptPerIpPerHour, 3600), req.ip))) return refuse(429, "tooMany");
    }

    // 5. The fields, each by its type; 6. files and the per-address limit.
    const read = readSubmission(form, body);
    // Catalogue fields the form lists (customer-visible only); any other `cf.` input refuses the submission.
    const custom = readCaseFields(customerFieldDefs((await loadCatalogue(deps.db)).fields, form.caseFields), body);
    if (custom.kind === "refused") return refuse(400, "fieldNotOffered");
    const fileError = received.problem ? uploadText(lang, received.problem) : undefined;
    if (read.kind === "invalid" || custom.kind === "invalid" || fileError) {
      return again({ code: 400, errors: read.kind === "invalid" ? read.errors : [], caseFieldErrors: custom.kind === "invalid" ? custom.errors : [], ...(fileError ? { fileError, error: fileError } : {}) });
    }
    if (!(await take(limiter(`${form.key}:addr-h`, l.perAddressPerHour, 3600), read.submission.email))) return refuse(429, "tooMany");

    // Files are kept by content hash now (the request keeps only references), attached when the case opens.
    if (received.files.length > 0) {
      await deps.db.blob.createMany({ data: received.files.map((f) => ({ sha256: f.sha256, size: f.size, data: new Uint8Array(f.content) })), skipDuplicates: true });
    }
    const files: StoredFile[] = received.files.map((f) => ({ sha256: f.sha256, filename: f.filename ?? "attachment", originalFilename: f.originalFilename ?? f.filename ?? "attachment", contentType: f.contentType, size: f.size }));
    const outcome = await submitWebForm(deps, form, { submission: read.submission, caseFields: custom.values, files, lang, publicUrl: opts.publicUrl, signedInContactId: await signedInContact(req) });
    if (outcome.kind === "no-mailbox") {
      deps.log.error({ form: form.key, mailbox: form.mailbox }, "web form: its mailbox is not active");
      return reply.code(503).type("text/plain").send("this form is not available right now");
    }
    deps.log.info({ form: form.key, outcome: outcome.kind }, "web form submitted");
    const visit = VisitIdSchema.safeParse(body.kbVisit);
    const kbPortal = visit.success ? await webFormKbPortal(deps.db, opts.portals) : null;
    if (visit.success && kbPortal) await recordSuggestionEvent(deps.db, kbPortal.key, visit.data, "submitted", [], deps.clock.now());
    if (outcome.kind === "opened") return message(reply, form, lang, 200, title, { paragraphs: [localize(form.thankYou, lang), formText(lang, "openedBody", { number: await caseRef(outcome.number) })] });
    return message(reply, form, lang, 200, formText(lang, "pendingTitle"), {
      paragraphs: [formText(lang, "pendingBody", { email: read.submission.email, hours: form.confirmHours }), localize(form.thankYou, lang)],
    });
  });

  async function caseRef(number: number): Promise<string> {
    const s = await deps.db.settings.findUnique({ where: { id: 1 } });
    return formatCaseNumber(s?.caseNumberFormat ?? "{prefix}-{n}", { prefix: s?.caseTagPrefix ?? "MC", number, createdAt: deps.clock.now() });
  }

  // GET only shows a button: mail scanners that open links must not confirm (or use up) the request.
  app.get("/confirm/:token", async (req, reply) => {
    const lang = langOf(req, ["en", "cs", "pl", "zh"]);
    const p = z.object({ token: ConfirmToken }).safeParse(req.params);
    if (!p.success) return message(reply, null, lang, 400, formText(lang, "confirmTitle"), { error: formText(lang, "confirmInvalid") });
    const support = (await deps.db.mailbox.findFirst({ where: { active: true }, orderBy: { id: "asc" } }))?.displayName ?? "support";
    return message(reply, null, lang, 200, formText(lang, "confirmTitle"), { paragraphs: [formText(lang, "confirmBody", { support })], action: `/forms/confirm/${p.data.token}?lang=${lang}` });
  });

  app.post("/confirm/:token", async (req, reply) => {
    const p = z.object({ token: ConfirmToken }).safeParse(req.params);
    const outcome = p.success ? await confirmWebForm(deps, p.data.token) : { kind: "invalid" as const };
    if (outcome.kind === "invalid") {
      const lang = langOf(req, ["en", "cs", "pl", "zh"]);
      return message(reply, null, lang, 400, formText(lang, "confirmTitle"), { error: formText(lang, "confirmInvalid") });
    }
    const offered = outcome.form?.languages ?? ["en"];
    const lang = (offered as readonly string[]).includes(outcome.lang) ? (outcome.lang as PortalLanguage) : langOf(req, offered);
    return message(reply, null, lang, 200, outcome.form ? localize(outcome.form.title, lang) : formText(lang, "confirmTitle"), {
      paragraphs: [outcome.form ? localize(outcome.form.thankYou, lang) : "", formText(lang, "openedBody", { number: await caseRef(outcome.number) })].filter(Boolean),
    });
  });
}

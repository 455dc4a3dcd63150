/**
 * The signed-in pages of a portal: my cases, a case, reply, new case, follow, attachment download. Every read
 * and write goes through the viewer's exposure scope (cases.service.ts, portal-writes.ts): out of scope is the
 * same 404 as a number that does not exist. Registered by portal.routes.ts, which owns sessions and CSRF.
 */
import { suggestView } from "../kb/suggest-view.ts";
import { recordSuggestionEvent, VisitIdSchema } from "../kb/suggestion-events.ts";
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from "fastify";
import { z } from "zod";
import { caseNo, formatCaseNumber, MAX_CASE_NUMBER } from "../case/case-number.ts";
import type { Deps } from "../kernel/deps.ts";
import { fieldsPatch, loadCatalogue } from "../case/case-fields-store.ts";
import { caseFieldInputs, customerFieldDefs, formBody, productChoices, readCaseFields, type Body, type CaseFieldError } from "./case-field-form.ts";
import { storedFields, visibleFields } from "../case/custom-fields.ts";
import { caseDetail, findAttachment, listCases, loadViewer, type CaseFilter } from "./cases.service.ts";
import type { MessageKey } from "./i18n.ts";
import type { PortalDef, PortalLanguage } from "./portal-config.ts";
import { acceptsReply, DESCRIPTION_MAX, openPortalCase, REPLY_MAX, replyFromPortal, setFollowing, SUBJECT_MAX } from "./portal-writes.ts";
import { renderPostBody } from "./render-body.ts";
import { CASE_TYPE_CHOICES, type CaseTypeChoice } from "../kernel/domain-types.ts";
import { isPartLimitError, PORTAL_UPLOADS, readUploads, sizeLabel, type UploadProblem, type Uploaded } from "./uploads.ts";
import { formText } from "./web-form-i18n.ts";
import type { PortalSessionView } from "./session.ts";

const ListQuery = z.object({
  filter: z.enum(["open", "waiting", "closed", "all"]).catch("open"),
  q: z.string().trim().max(200).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
const CaseNumber = z.coerce.number().int().positive().max(MAX_CASE_NUMBER);
const statusClass = (s: string): string => (s === "WAITING_ON_CUSTOMER" ? "waiting" : s === "RESOLVED" || s === "CLOSED" ? "done" : "open");

/** What the case pages need from the portal's plugin: its path, the CSRF-checked POST options and page helpers. */
export interface PortalPageKit {
  deps: Deps;
  base: string;
  post: RouteShorthandOptions;
  ctx(req: FastifyRequest): { portal: PortalDef; lang: PortalLanguage; user: PortalSessionView | null };
  t(req: FastifyRequest, key: MessageKey, params?: Record<string, string | number>): string;
  page(req: FastifyRequest, reply: FastifyReply, view: string, data: Record<string, unknown>, title: string): Promise<FastifyReply>;
  notFound(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>;
  requireUser(req: FastifyRequest, reply: FastifyReply): PortalSessionView | null;
}

export function registerCasePages(app: FastifyInstance, kit: PortalPageKit): void {
  const { deps, base, post, ctx, t, page, notFound, requireUser } = kit;
  const numberSettings = async () => {
    const s = await deps.db.settings.findUnique({ where: { id: 1 } });
    const prefix = s?.caseTagPrefix ?? "MC";
    const format = s?.caseNumberFormat ?? "{prefix}-{n}";
    return (number: number, createdAt: Date) => formatCaseNumber(format, { prefix, number, createdAt });
  };
  const dateFmt = (lang: PortalLanguage) => new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

  // Reply and new case are multipart (files): the parts are read before the CSRF check, which needs the
  // form's _csrf field in req.body. Files are held (bounded by PORTAL_UPLOADS) until the handler runs.
  const uploads = new WeakMap<FastifyRequest, Uploaded>();
  const readFiles = async (req: FastifyRequest) => {
    if (!req.isMultipart()) return;
    let got: Uploaded;
    try {
      got = await readUploads(req, PORTAL_UPLOADS);
    } catch (err) {
      if (!isPartLimitError(err)) throw err;
      got = { body: {}, files: [], problem: { problem: "too-many", max: PORTAL_UPLOADS.maxFiles } };
    }
    req.body = got.body;
    uploads.set(req, got);
  };
  const withFiles = { ...post, preValidation: readFiles };
  const uploadProblem = (lang: PortalLanguage, p: UploadProblem): string =>
    p.problem === "too-many"
      ? formText(lang, "tooManyFiles", { n: p.max })
      : p.problem === "type"
        ? formText(lang, "fileType", { name: p.name, types: p.types.join(", ") })
        : // A too-long text field reads like a too-large file; "total" has no name (and no cap below files × size here).
          formText(lang, "fileTooLarge", { name: p.problem === "total" ? "" : p.name, size: sizeLabel(p.max) });
  const uploadView = (lang: PortalLanguage) => ({
    label: formText(lang, "attachFiles"),
    help: formText(lang, "portalFilesHelp", { n: PORTAL_UPLOADS.maxFiles, size: sizeLabel(PORTAL_UPLOADS.maxFileBytes) }),
    accept: PORTAL_UPLOADS.types.join(","),
  });
  // The catalogue's customer-visible fields and the active products (case-field-form.ts), keeping what was typed.
  const fieldsView = async (lang: PortalLanguage, body: Body, state: { errors?: CaseFieldError[]; productError?: string | null } = {}) => {
    const cat = await loadCatalogue(deps.db);
    return {
      caseFields: caseFieldInputs(customerFieldDefs(cat.fields), lang, body, state.errors ?? []),
      products: productChoices(cat.products, body["product"] ?? ""),
      productLabel: formText(lang, "product"),
      productNone: formText(lang, "productNone"),
      productError: state.productError ?? null,
    };
  };
  const typeView = (lang: PortalLanguage, chosen: string) => CASE_TYPE_CHOICES.map((value) => ({ value, label: formText(lang, `type.${value}`), selected: value === chosen }));

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
      display: numbers(caseNo(r.number), r.updatedAt),
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
        number: caseNo(found.number),
        display: numbers(caseNo(found.number), found.createdAt),
        subject: found.subject,
        statusLabel: t(req, `status.${found.status}` as MessageKey),
        statusClass: statusClass(found.status),
        priorityLabel: t(req, `priority.${found.priority}` as MessageKey),
        // A customer sees only the fields the configuration declares customer-visible.
        fields: visibleFields((await loadCatalogue(deps.db)).fields, storedFields(found.customFields), "customer", c.lang),
        product: found.product ? `${found.product.name} (${found.product.code})` : null,
        created: fmt.format(found.createdAt),
        createdIso: found.createdAt.toISOString(),
        posts,
        following,
        canReply: acceptsReply(found.status, settings?.closedReplyPolicy ?? "new-linked-case"),
        upload: uploadView(c.lang),
        labels: { private: t(req, "privateToYou"), attachments: t(req, "attachments") },
      },
      `${numbers(caseNo(found.number), found.createdAt)} ${found.subject}`,
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
  app.post("/cases/:number/reply", withFiles, async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    const p = z.object({ number: CaseNumber }).safeParse(req.params);
    if (!p.success) return notFound(req, reply);
    const body = z.object({ text: z.string().trim().min(1).max(REPLY_MAX) }).safeParse(req.body);
    if (!body.success) return casePage(req, reply.code(400), user, p.data.number, { error: t(req, "replyEmpty") });
    const files = uploads.get(req);
    if (files?.problem) return casePage(req, reply.code(400), user, p.data.number, { error: uploadProblem(ctx(req).lang, files.problem) });
    const viewer = await loadViewer(deps, user);
    const outcome = await replyFromPortal(deps, ctx(req).portal, viewer, p.data.number, body.data.text, files?.files ?? []);
    if (outcome.kind === "not-found") return notFound(req, reply);
    if (outcome.kind === "closed") return casePage(req, reply.code(409), user, p.data.number, { error: t(req, "closedNoReply") });
    // Post/redirect/get: a reload does not post twice.
    return reply.redirect(`${base}/cases/${p.data.number}?sent=1#reply-title`, 303);
  });

  app.get("/cases/new", async (req, reply) => {
    if (!requireUser(req, reply)) return reply;
    const lang = ctx(req).lang;
    const kbSuggest = await suggestView(deps.db, ctx(req).portal, lang, true);
    return page(req, reply, "new-case", { subject: "", description: "", typeLabel: formText(lang, "caseType"), types: typeView(lang, "QUESTION"), upload: uploadView(lang), kbSuggest, ...(await fieldsView(lang, {})) }, t(req, "newCase"));
  });

  // Read from the form: subject, description, type, files, the product and the customer-visible case fields
  // (`cf.<key>`). Any other input is ignored, except a case field the form does not offer, which refuses it all.
  app.post("/cases/new", withFiles, async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    const lang = ctx(req).lang;
    const form = formBody(req.body);
    const body = z
      .object({ subject: z.string().trim().min(1).max(SUBJECT_MAX), description: z.string().trim().min(1).max(DESCRIPTION_MAX), type: z.enum(CASE_TYPE_CHOICES).default("QUESTION") })
      .safeParse(req.body);
    const files = uploads.get(req);
    const cat = await loadCatalogue(deps.db);
    const read = readCaseFields(customerFieldDefs(cat.fields), form);
    const product = (form["product"] ?? "").trim();
    const custom = read.kind === "ok" ? fieldsPatch(cat, { fields: read.values, ...(product ? { product } : {}) }, { creating: false }) : null;
    if (!body.success || files?.problem || read.kind !== "ok" || !custom?.ok) {
      const raw = z.object({ subject: z.string().max(SUBJECT_MAX).catch(""), description: z.string().max(DESCRIPTION_MAX).catch(""), type: z.string().max(40).catch("QUESTION") }).parse(req.body ?? {});
      const error = files?.problem
        ? uploadProblem(lang, files.problem)
        : read.kind === "refused"
          ? formText(lang, "fieldNotOffered")
          : !body.success
            ? t(req, "newCaseMissing")
            : formText(lang, "fixFields");
      const productError = custom && !custom.ok ? formText(lang, "problem.not-an-option") : null;
      const kbSuggest = await suggestView(deps.db, ctx(req).portal, lang, true);
      const fields = await fieldsView(lang, form, { errors: read.kind === "invalid" ? read.errors : [], productError });
      return page(req, reply.code(400), "new-case", { error, ...raw, typeLabel: formText(lang, "caseType"), types: typeView(lang, raw.type), upload: uploadView(lang), kbSuggest, ...fields }, t(req, "newCase"));
    }
    const type: CaseTypeChoice = body.data.type;
    const input = { subject: body.data.subject, description: body.data.description, type, attachments: files?.files ?? [], custom: custom.patch };
    const opened = await openPortalCase(deps, await loadViewer(deps, user), user.email, input);
    if (!opened) return reply.code(503).send("no mailbox configured");
    const visit = z.object({ kbVisit: VisitIdSchema }).safeParse(req.body);
    if (visit.success) await recordSuggestionEvent(deps.db, ctx(req).portal.key, visit.data.kbVisit, "submitted", [], deps.clock.now());
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

/**
 * The knowledge base pages of a portal, mounted at `<portal>/kb`: home with categories, category pages,
 * articles with a "was this helpful?" vote (CSRF-checked POST), search, and a small JSON endpoint for
 * suggestions while a case subject is typed. Readable without signing in only where the portal's `kb`
 * configuration says `public: true`. Everything not visible — draft, expired, another portal, another
 * language, a hidden category — answers the portal's ordinary 404, the same as an id that never existed.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { PortalPageKit } from "../portal/portal-case-pages.ts";
import { kbWords } from "./kb-i18n.ts";
import { categoryArticles, getArticle, kbContext, searchArticles, vote, type KbArticleView, type KbCategoryRow, type KbContext } from "./kb.service.ts";
import { isInlineType } from "./kb-files.ts";
import { relativeRefName, renderMarkdown, type ArticleFiles } from "./markdown.ts";
import { MAX_QUERY_LENGTH } from "./search-query.ts";
import type { KbLanguage } from "./visibility.ts";
import { KB_SUGGEST_JS } from "./suggest-view.ts";
import { recordSuggestionEvent, VisitIdSchema } from "./suggestion-events.ts";

const ArticleRef = z.object({ ref: z.string().regex(/^\d{1,9}(-[a-z0-9-]{0,120})?$/) });
const FileRef = z.object({ ref: ArticleRef.shape.ref, "*": z.string().min(1).max(500) });
const CategoryKey = z.object({ key: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,99}$/) });
const SearchQuery = z.object({ q: z.string().max(1000).optional().catch(undefined) }).passthrough();
/** The visit of a new-case form (`v` on suggest, `s` with `from=suggest` on an article opened from one). */
const VisitQuery = z.object({ v: VisitIdSchema.optional().catch(undefined), from: z.string().max(20).optional().catch(undefined), s: VisitIdSchema.optional().catch(undefined) }).passthrough();
const VoteBody = z.object({ helpful: z.enum(["yes", "no"]) }).passthrough();
const VOTED_COOKIE = "mc_kbv";
const SUGGEST_MAX = 5;

export function registerKbPages(app: FastifyInstance, kit: PortalPageKit): void {
  const { deps, base, post, ctx, page, notFound, requireUser } = kit;
  const kbBase = `${base}/kb`;

  /** The reader's knowledge base context, or a reply already sent (404 without a knowledge base, sign-in when not public). */
  async function gate(req: FastifyRequest, reply: FastifyReply): Promise<KbContext | null> {
    const c = ctx(req);
    const kb = await kbContext(deps.db, c.portal.key, { language: c.lang as KbLanguage, signedIn: c.user !== null }, deps.clock.now());
    if (!kb) {
      await notFound(req, reply);
      return null;
    }
    if (!kb.policy.public && !requireUser(req, reply)) return null;
    return kb;
  }

  const catName = (c: KbCategoryRow, lang: KbLanguage) => c.names[lang] ?? c.names.en ?? c.key;
  const articleHref = (a: { id: number; slug: string }) => `${kbBase}/articles/${a.id}-${a.slug}`;
  const listItem = (a: KbArticleView) => ({ href: articleHref(a), title: a.title, summary: a.summary, lang: a.language });
  const visibleChildren = (kb: KbContext, parent: string | null) => kb.categories.filter((c) => c.parentKey === parent && kb.exposed.has(c.key));
  const words = (req: FastifyRequest, params: Record<string, string> = {}) => kbWords(ctx(req).lang as KbLanguage, params);

  app.get("/kb", async (req, reply) => {
    const kb = await gate(req, reply);
    if (!kb) return reply;
    const lang = kb.reader.language;
    const categories = visibleChildren(kb, null).map((c) => ({
      href: `${kbBase}/categories/${c.key}`,
      name: catName(c, lang),
      children: visibleChildren(kb, c.key).map((s) => ({ href: `${kbBase}/categories/${s.key}`, name: catName(s, lang) })),
    }));
    return page(req, reply, "kb-home", { kb: words(req), kbBase, categories, q: "" }, words(req).title);
  });

  app.get("/kb/categories/:key", async (req, reply) => {
    const kb = await gate(req, reply);
    if (!kb) return reply;
    const p = CategoryKey.safeParse(req.params);
    const cat = p.success ? kb.categories.find((c) => c.key === p.data.key) : undefined;
    if (!cat || !kb.exposed.has(cat.key)) return notFound(req, reply);
    const lang = kb.reader.language;
    const parents = [];
    for (let cur = kb.categories.find((c) => c.key === cat.parentKey); cur; cur = kb.categories.find((c) => c.key === cur!.parentKey)) parents.unshift({ href: `${kbBase}/categories/${cur.key}`, name: catName(cur, lang) });
    const articles = (await categoryArticles(deps.db, kb, cat.key)).map(listItem);
    const children = visibleChildren(kb, cat.key).map((s) => ({ href: `${kbBase}/categories/${s.key}`, name: catName(s, lang) }));
    return page(req, reply, "kb-category", { kb: words(req), kbBase, name: catName(cat, lang), parents, children, articles }, catName(cat, lang));
  });

  app.get("/kb/articles/:ref", async (req, reply) => {
    const kb = await gate(req, reply);
    if (!kb) return reply;
    const p = ArticleRef.safeParse(req.params);
    const article = p.success ? await getArticle(deps.db, kb, Number(p.data.ref.split("-")[0])) : null;
    if (!article) return notFound(req, reply);
    const lang = kb.reader.language;
    const categories = article.categoryKeys.flatMap((k) => {
      const c = kb.categories.find((x) => x.key === k);
      return c && kb.exposed.has(k) ? [{ href: `${kbBase}/categories/${k}`, name: catName(c, lang) }] : [];
    });
    const visit = VisitQuery.parse(req.query);
    if (visit.from === "suggest" && visit.s) await recordSuggestionEvent(deps.db, kb.policy.portalKey, visit.s, "opened", [article.id], deps.clock.now());
    const voted = votedIds(req).includes(article.id) || (req.query as Record<string, unknown>).voted === "1";
    const updated = new Intl.DateTimeFormat(lang, { dateStyle: "long", timeZone: "UTC" }).format(article.updatedAt);
    return page(
      req,
      reply,
      "kb-article",
      { kb: words(req), kbBase, article: { title: article.title, summary: article.summary, html: renderMarkdown(article.body, await articleFiles(article.id)), lang: article.language, updated, updatedIso: article.updatedAt.toISOString() }, categories, voteAction: `${articleHref(article)}/vote`, voted },
      article.title,
    );
  });

  // An article's own files: only while the article itself is visible to this reader (the same query as the
  // article page), so a draft's or an expired article's image answers the same 404 as a file that never existed.
  app.get("/kb/articles/:ref/files/*", async (req, reply) => {
    const kb = await gate(req, reply);
    if (!kb) return reply;
    const p = FileRef.safeParse(req.params);
    const name = p.success ? relativeRefName(p.data["*"]) : null;
    const article = p.success && name === p.data["*"] ? await getArticle(deps.db, kb, Number(p.data.ref.split("-")[0])) : null;
    const file = article && name ? await deps.db.kbAttachment.findUnique({ where: { articleId_name: { articleId: article.id, name } } }) : null;
    if (!file) return notFound(req, reply);
    const disposition = isInlineType(file.contentType) ? "inline" : "attachment";
    const base = name!.split("/").pop()!;
    return reply
      .type(file.contentType)
      .header("x-content-type-options", "nosniff")
      .header("content-disposition", `${disposition}; filename="${base.replace(/[^\x20-\x7e]|["\\]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(base)}`)
      // Private and short: the article can expire or be unpublished, and a signed-in-only portal's files are not for shared caches.
      .header("cache-control", "private, max-age=300")
      .header("etag", `"${file.sha256}"`)
      .send(Buffer.from(file.content));
  });

  app.post("/kb/articles/:ref/vote", post, async (req, reply) => {
    const kb = await gate(req, reply);
    if (!kb) return reply;
    const p = ArticleRef.safeParse(req.params);
    const body = VoteBody.safeParse(req.body);
    if (!p.success || !body.success) return notFound(req, reply);
    const id = Number(p.data.ref.split("-")[0]);
    const already = votedIds(req);
    // One vote per article and browser (a cookie: enough to keep honest readers from counting twice).
    if (!already.includes(id)) {
      if (!(await vote(deps.db, kb, id, body.data.helpful === "yes"))) return notFound(req, reply);
      reply.setCookie(VOTED_COOKIE, [...already, id].slice(-200).join("."), { path: kbBase, httpOnly: true, sameSite: "lax", secure: req.protocol === "https", maxAge: 365 * 86_400 });
    }
    return reply.redirect(`${kbBase}/articles/${p.data.ref}?voted=1`, 303);
  });

  app.get("/kb/search", async (req, reply) => {
    const kb = await gate(req, reply);
    if (!kb) return reply;
    const q = (SearchQuery.parse(req.query).q ?? "").trim().slice(0, MAX_QUERY_LENGTH);
    const hits = q ? await searchArticles(deps.db, kb, q, 20) : [];
    return page(req, reply, "kb-search", { kb: words(req, { q }), kbBase, q, searched: q !== "", results: hits.map((h) => listItem(h.article)) }, words(req).search);
  });

  // Suggestions while a case subject is typed (progressive enhancement: the form works without it).
  app.get("/kb/suggest", async (req, reply) => {
    const c = ctx(req);
    const kb = await kbContext(deps.db, c.portal.key, { language: c.lang as KbLanguage, signedIn: c.user !== null }, deps.clock.now());
    reply.header("cache-control", "no-store");
    if (!kb || (!kb.policy.public && !c.user)) return reply.send({ articles: [] });
    const q = (SearchQuery.parse(req.query).q ?? "").trim().slice(0, MAX_QUERY_LENGTH);
    const hits = q.length >= 3 ? await searchArticles(deps.db, kb, q, SUGGEST_MAX) : [];
    const visit = VisitQuery.parse(req.query).v;
    if (visit) await recordSuggestionEvent(deps.db, kb.policy.portalKey, visit, "shown", hits.map((h) => h.article.id), deps.clock.now());
    // The marker tells the article page it was opened from a suggestion of this visit (the deflection metric).
    const marker = visit ? `?from=suggest&s=${visit}` : "";
    return reply.send({ articles: hits.map((h) => ({ title: h.article.title, summary: h.article.summary, url: `${articleHref(h.article)}${marker}` })) });
  });

  app.get("/assets/kb-suggest.js", async (_req, reply) => reply.type("text/javascript; charset=utf-8").header("cache-control", "public, max-age=3600").send(KB_SUGGEST_JS));

  /** Where this article's files are served, with the names it has (relative references point there). */
  async function articleFiles(articleId: number): Promise<ArticleFiles> {
    const rows = await deps.db.kbAttachment.findMany({ where: { articleId }, select: { name: true } });
    return { base: `${kbBase}/articles/${articleId}/files/`, names: new Set(rows.map((r) => r.name)) };
  }

  function votedIds(req: FastifyRequest): number[] {
    const raw = req.cookies[VOTED_COOKIE] ?? "";
    return raw.split(".").filter((s) => /^\d{1,9}$/.test(s)).map(Number);
  }
}

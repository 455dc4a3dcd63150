/**
 * Pages reached from signed links in mail, without signing in (src/links/signed-links.ts):
 *
 * - `/satisfaction/:token?rating=good|bad`: a GET only shows a confirm button (link scanners and mail clients
 *   that prefetch links must not vote); the POST records the rating once per case, then offers a comment
 *   form (`POST /satisfaction/:token/comment`, once). A forged or tampered token is refused with 404.
 * - `/files/:token`: a customer attachment for an agent reading a notice in a mail client, while the link is
 *   valid; always as a download (never rendered by the browser in our origin).
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import type { Deps } from "../kernel/deps.ts";
import { verifyAttachment, verifySatisfaction } from "../links/signed-links.ts";
import { commentSatisfaction, recordSatisfaction } from "../pipeline/notify/satisfaction.service.ts";

type Lang = "en" | "cs" | "pl" | "zh";
const TEXT: Record<Lang, Record<"title" | "askGood" | "askBad" | "confirm" | "thanks" | "already" | "commentAsk" | "commentSend" | "commentThanks" | "invalid", string>> = {
  en: {
    title: "Your rating",
    askGood: "Rate the handling of your case as good?",
    askBad: "Rate the handling of your case as bad?",
    confirm: "Confirm",
    thanks: "Thank you, your rating is recorded.",
    already: "Thank you, a rating of this case is already recorded.",
    commentAsk: "Anything you would like to tell us? (optional)",
    commentSend: "Send comment",
    commentThanks: "Thank you for your comment.",
    invalid: "This link is not valid.",
  },
  cs: {
    title: "Vaše hodnocení",
    askGood: "Ohodnotit vyřízení požadavku jako dobré?",
    askBad: "Ohodnotit vyřízení požadavku jako špatné?",
    confirm: "Potvrdit",
    thanks: "Děkujeme, vaše hodnocení je zaznamenáno.",
    already: "Děkujeme, hodnocení tohoto požadavku už je zaznamenáno.",
    commentAsk: "Chcete nám něco vzkázat? (nepovinné)",
    commentSend: "Odeslat komentář",
    commentThanks: "Děkujeme za váš komentář.",
    invalid: "Tento odkaz není platný.",
  },
  pl: {
    title: "Twoja ocena",
    askGood: "Ocenić obsługę sprawy jako dobrą?",
    askBad: "Ocenić obsługę sprawy jako złą?",
    confirm: "Potwierdź",
    thanks: "Dziękujemy, ocena została zapisana.",
    already: "Dziękujemy, ocena tej sprawy jest już zapisana.",
    commentAsk: "Czy chcesz nam coś przekazać? (opcjonalnie)",
    commentSend: "Wyślij komentarz",
    commentThanks: "Dziękujemy za komentarz.",
    invalid: "Ten link jest nieprawidłowy.",
  },
  zh: {
    title: "您的评价",
    askGood: "将工单处理评价为满意？",
    askBad: "将工单处理评价为不满意？",
    confirm: "确认",
    thanks: "谢谢，您的评价已记录。",
    already: "谢谢，该工单的评价已记录。",
    commentAsk: "还有什么想告诉我们的吗？（可选）",
    commentSend: "发送意见",
    commentThanks: "感谢您的意见。",
    invalid: "此链接无效。",
  },
};

const langOf = (locale: string | undefined): Lang => {
  const base = (locale ?? "en").toLowerCase().split(/[-_]/)[0];
  return base === "cs" || base === "pl" || base === "zh" ? base : "en";
};
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (lang: Lang, body: string) =>
  `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="robots" content="noindex"><title>${esc(TEXT[lang].title)}</title></head><body><main><h1>${esc(TEXT[lang].title)}</h1>${body}</main></body></html>`;

const Token = z.object({ token: z.string().max(100) });
const RatingQuery = z.object({ rating: z.enum(["good", "bad"]) });
const CommentBody = z.object({ comment: z.string().trim().min(1, "comment: write something or leave the page").max(4000, "comment: at most 4000 characters") });

export interface SignedLinkRoutesOptions {
  deps: Deps;
}

export async function signedLinkRoutes(app: FastifyInstance, opts: SignedLinkRoutesOptions): Promise<void> {
  const { deps } = opts;
  // Forms post urlencoded; the portal registers its own parser in its context, this one is local to ours.
  if (!app.hasContentTypeParser("application/x-www-form-urlencoded")) {
    app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: 16 * 1024 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
  }
  const html = (reply: FastifyReply, code: number, lang: Lang, body: string) =>
    reply
      .code(code)
      .header("cache-control", "no-store")
      .header("referrer-policy", "no-referrer")
      .header("x-frame-options", "DENY")
      .header("content-security-policy", "default-src 'none'; form-action 'self'; frame-ancestors 'none'")
      .type("text/html; charset=utf-8")
      .send(page(lang, body));
  const invalid = (reply: FastifyReply) => html(reply, 404, "en", `<p>${esc(TEXT.en.invalid)}</p>`);
  const commentForm = (lang: Lang, token: string) =>
    `<form method="post" action="/satisfaction/${esc(token)}/comment"><p><label for="comment">${esc(TEXT[lang].commentAsk)}</label></p><p><textarea id="comment" name="comment" rows="6" cols="60" maxlength="4000"></textarea></p><p><button type="submit">${esc(TEXT[lang].commentSend)}</button></p></form>`;
  const localeOf = async (contactId: number) => (await deps.db.contact.findUnique({ where: { id: contactId }, select: { locale: true } }))?.locale;

  app.get("/satisfaction/:token", async (req, reply) => {
    const params = Token.safeParse(req.params);
    const claim = params.success ? verifySatisfaction(deps.secret, params.data.token) : null;
    if (!params.success || !claim) return invalid(reply);
    const query = RatingQuery.safeParse(req.query);
    if (!query.success) return html(reply, 400, "en", `<p>rating: must be good or bad</p>`);
    const lang = langOf(await localeOf(claim.contactId));
    const t = TEXT[lang];
    const rated = await deps.db.satisfactionRating.findUnique({ where: { caseId: claim.caseId } });
    if (rated) return html(reply, 200, lang, `<p>${esc(t.already)}</p>${rated.comment === null ? commentForm(lang, params.data.token) : ""}`);
    return html(
      reply,
      200,
      lang,
      `<form method="post" action="/satisfaction/${esc(params.data.token)}"><input type="hidden" name="rating" value="${query.data.rating}"><p>${esc(query.data.rating === "good" ? t.askGood : t.askBad)}</p><p><button type="submit">${esc(t.confirm)}</button></p></form>`,
    );
  });

  app.post("/satisfaction/:token", async (req, reply) => {
    const params = Token.safeParse(req.params);
    const claim = params.success ? verifySatisfaction(deps.secret, params.data.token) : null;
    if (!params.success || !claim) return invalid(reply);
    const body = RatingQuery.safeParse(req.body);
    if (!body.success) return html(reply, 400, "en", `<p>rating: must be good or bad</p>`);
    const outcome = await recordSatisfaction(deps, claim, body.data.rating === "good" ? "GOOD" : "BAD");
    if (outcome.kind === "refused") return invalid(reply);
    const lang = langOf(outcome.locale);
    if (outcome.kind === "already-rated")
      return html(reply, 409, lang, `<p>${esc(TEXT[lang].already)}</p>${outcome.commented ? "" : commentForm(lang, params.data.token)}`);
    return html(reply, 200, lang, `<p>${esc(TEXT[lang].thanks)}</p>${commentForm(lang, params.data.token)}`);
  });

  app.post("/satisfaction/:token/comment", async (req, reply) => {
    const params = Token.safeParse(req.params);
    const claim = params.success ? verifySatisfaction(deps.secret, params.data.token) : null;
    if (!params.success || !claim) return invalid(reply);
    const body = CommentBody.safeParse(req.body);
    if (!body.success) return html(reply, 400, "en", `<p>${esc(body.error.issues.map((i) => i.message).join("; "))}</p>`);
    const outcome = await commentSatisfaction(deps, claim, body.data.comment);
    if (outcome.kind === "refused") return invalid(reply);
    if (outcome.kind === "not-rated") return html(reply, 409, "en", `<p>comment: rate the case first</p>`);
    if (outcome.kind === "already-commented") return html(reply, 409, "en", `<p>comment: a comment is already recorded</p>`);
    const lang = langOf(outcome.locale);
    return html(reply, 200, lang, `<p>${esc(TEXT[lang].commentThanks)}</p>`);
  });

  app.get("/files/:token", async (req, reply) => {
    const params = Token.safeParse(req.params);
    const claim = params.success ? verifyAttachment(deps.secret, params.data.token, deps.clock.now()) : null;
    if (!claim) return reply.code(404).type("text/plain").send("This link is not valid or has expired.");
    const file = await deps.db.postAttachment.findUnique({ where: { id: claim.attachmentId }, include: { blob: true } });
    if (!file) return reply.code(404).type("text/plain").send("This file no longer exists.");
    const name = file.filename ?? `attachment-${file.id}`;
    // Always a download, never rendered here: an HTML or SVG file from a customer must not run in our origin.
    return reply
      .header("content-disposition", `attachment; filename="${name.replace(/["\\\r\n]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(name)}`)
      .header("x-content-type-options", "nosniff")
      .header("cache-control", "private, no-store")
      .header("content-security-policy", "default-src 'none'; sandbox")
      .type(/^[\w.+-]+\/[\w.+-]+$/.test(file.contentType) ? file.contentType : "application/octet-stream")
      .send(Buffer.from(file.blob.data));
  });
}

/**
 * The signed-in user's preferences page: which case updates they are mailed (every update, only agents'
 * answers, none) and their language (portal pages and mails). Stored on the contact, read by the notify stage
 * (notification-plan.ts) and the mail templates; only these two fields are read from the form.
 */
import type { FastifyInstance } from "fastify";
import { PORTAL_LANGUAGES } from "./portal-config.ts";
import { LANGUAGE_NAMES } from "./i18n.ts";
import type { PortalPageKit } from "./portal-case-pages.ts";
import { NOTIFY_PREFERENCES, notifyPreference, PreferencesForm } from "./preferences.ts";
import { formText } from "./web-form-i18n.ts";

export function registerPreferencesPage(app: FastifyInstance, kit: PortalPageKit): void {
  const { deps, base, post, ctx, page, requireUser } = kit;

  const show = async (req: Parameters<PortalPageKit["page"]>[0], reply: Parameters<PortalPageKit["page"]>[1], contactId: number, extra: { notice?: string; error?: string } = {}) => {
    const contact = await deps.db.contact.findUniqueOrThrow({ where: { id: contactId }, select: { notifyPreference: true, locale: true } });
    const lang = ctx(req).lang;
    const current = notifyPreference(contact.notifyPreference);
    return page(
      req,
      reply,
      "preferences",
      {
        ...extra,
        heading: formText(lang, "preferences"),
        intro: formText(lang, "preferencesIntro"),
        notifyLabel: formText(lang, "notifyLabel"),
        notifyNote: formText(lang, "notifyNote"),
        notifyOptions: NOTIFY_PREFERENCES.map((value) => ({ value, label: formText(lang, `notify.${value}`), checked: value === current })),
        languageLabel: formText(lang, "mailLanguage"),
        languages: PORTAL_LANGUAGES.map((code) => ({ code, name: LANGUAGE_NAMES[code], selected: contact.locale.toLowerCase().startsWith(code) })),
        save: formText(lang, "save"),
      },
      formText(lang, "preferences"),
    );
  };

  app.get("/preferences", async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    const saved = typeof req.query === "object" && req.query !== null && "saved" in req.query;
    return show(req, reply, user.contactId, saved ? { notice: formText(ctx(req).lang, "saved") } : {});
  });

  app.post("/preferences", post, async (req, reply) => {
    const user = requireUser(req, reply);
    if (!user) return reply;
    const body = PreferencesForm.safeParse(req.body);
    if (!body.success) return show(req, reply.code(400), user.contactId, { error: body.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") });
    await deps.db.contact.update({ where: { id: user.contactId }, data: { notifyPreference: body.data.notify, locale: body.data.language } });
    // The page itself follows the new language at once (the switcher's cookie would otherwise win).
    reply.clearCookie("mc_lang", { path: base });
    return reply.redirect(`${base}/preferences?saved=1&lang=${body.data.language}`, 303);
  });
}

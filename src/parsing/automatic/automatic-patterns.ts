/**
 * Words and addresses by which machine mail gives itself away, as data (one table per signal, languages side
 * by side) so a new language is a new row, not a new branch in classify.ts.
 */

/**
 * Local parts and display names used by delivery software. `postmaster` is deliberately not here: a person
 * answers as postmaster@ (abuse desks), so postmaster counts only together with bounce wording.
 */
export const DAEMON_LOCAL = /^(mailer[-_.]?daemon|mail[-_.]?daemon|mail[-_.]delivery[-_.](sub)?system|maildelivery|mdaemon|bounces?|nobody)$/i;
export const DAEMON_DISPLAY = /mailer[-_ ]?daemon|mail delivery (sub)?system/i;
export const POSTMASTER_LOCAL = /^(post[-_]?master|poostmaster)$/i;
export const NO_REPLY_LOCAL = /^(no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply)$/i;

/** Subject lines of non-delivery reports across common MTAs and languages. */
export const BOUNCE_SUBJECT = new RegExp(
  [
    "undeliver", "undelivered mail", "returned mail", "returned to sender", "mail delivery failed", "delivery fail",
    "failed delivery", "failure delivery", "failure notice", "delivery status notification", "delivery notification",
    "non[- ]?delivery", "nondeliverable", "could not be delivered", "mail system error", "delivery problem",
    "message not delivered", "error sending your mail", "permanent delivery failure", "delivery has failed",
    "warning: message .* delayed", "delayed mail", "message delivery has failed", "email delivery failure",
    "nicht zustellbar", "unzustellbar", "non remis", "non recapitabile", "no entregado", "onbestelbaar",
    "nedoručiteln", "niedostarczon", "не доставлено", "未送達", "配信できません", "メールエラー", "退信", "退回",
  ].join("|"),
  "i",
);

/** Opening sentences of text bounces (no DSN part), for mail whose headers are unremarkable. */
export const BOUNCE_BODY = new RegExp(
  [
    "this is the qmail-send program", "could not be delivered to one or more", "following address(?:es)? (?:had|failed)",
    "delivery to the following recipients? failed", "unable to deliver (?:your )?message to", "did not reach the following recipient",
    "the following recipients? (?:returned|had) (?:permanent )?(?:errors|fatal)", "was not delivered to",
    "there was an error delivering your mail", "i'm afraid i wasn't able to deliver", "your message could not be delivered",
    "delivery has failed to these recipients", "message could not be delivered", "could not deliver (?:the )?message",
    "an error has occurred while attempting to deliver", "transcript of session follows", "unknown user:",
    "delivery to the following recipient", "could not be delivered to:", "not delivered to", "invalid user address",
    "no such user", "undeliverable to",
  ].join("|"),
  "i",
);

/**
 * Out-of-office subjects as the mail systems generate them: a fixed prefix, a separator, then usually the
 * original subject ("Automatic reply: Invoice 42"). The separator is required so that a person writing
 * "Out of office tomorrow, can you cover?" stays human; "Re:" in front never matches because of the anchor.
 * Bare absence words that people use as subjects themselves ("Vacation: July", "Abwesenheit: Urlaub",
 * "Nepřítomnost: …", "Frånvaro: …") are deliberately absent: an HR or facilities helpdesk gets those from
 * people. Mail systems' own prefixes (Outlook's localised "Automatic reply:" and friends) are listed instead.
 */
export const OOO_PREFIXES = [
  // English
  "automatic reply", "auto[- ]?reply", "auto[- ]?response", "auto[- ]?respons", "autoresponder", "out of (?:the )?office(?: reply| autoreply)?",
  "vacation reply", "away from (?:the )?office",
  // Czech
  "automatická odpověď", "mimo kancelář",
  // Polish
  "automatyczna odpowied[zź]", "poza biurem",
  // German
  "abwesenheitsnotiz", "automatische antwort",
  // French
  "réponse automatique", "reponse automatique", "absence du bureau", "absent(?:e)? du bureau", "message d'absence",
  // Dutch
  "automatisch antwoord", "buiten kantoor", "niet op kantoor",
  // Nordic: Swedish, Danish/Norwegian, Finnish, Icelandic
  "automatiskt svar", "automatisk svar", "autosvar", "ej på kontoret", "ikke på kontoret", "ikke til stede",
  "automaattinen vastaus", "poissa toimistolta", "sjálfvirkt svar",
  // Spanish, Italian, Portuguese, Russian
  "respuesta automática", "fuera de la oficina", "risposta automatica", "resposta automática", "автоматический ответ",
  // Chinese (simplified, traditional), Japanese, Korean
  "自动回复", "自動回覆", "自動回复", "自動応答", "自動返信", "자동 회신",
];
export const OOO_SUBJECT = new RegExp(`^(?:\\[[^\\]]*\\]\\s*)?(?:${OOO_PREFIXES.join("|")})\\s*[:：]`, "iu");
/** The whole subject is the marker (some Exchange and Notes versions drop the original subject). */
export const OOO_SUBJECT_ALONE = /^(?:out of (?:the )?office|automatic reply|auto[- ]?reply|abwesenheitsnotiz|automatická odpověď|automatyczna odpowiedź|自动回复)\s*$/iu;

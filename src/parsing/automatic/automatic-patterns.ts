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
  // More European wordings seen on Outlook, Exchange and webmail
  "fuori (?:sede|ufficio)", "fora do escritório", "afwezigheidsbericht", "frånvaromeddelande", "fraværsbesked", "poissaoloviesti",
  "autoodpowied[zź]", "нет на месте", "ответ автоматический",
  // Chinese (simplified, traditional), Japanese, Korean
  "自动回复", "自動回覆", "自動回复", "自動応答", "自動返信", "자동 회신", "不在通知", "不在のお知らせ", "不在办公室",
  // Hebrew and Arabic (right to left: the prefix still comes first in the subject's logical order)
  "מענה אוטומטי", "תשובה אוטומטית", "מחוץ למשרד", "رد تلقائي", "الرد التلقائي", "خارج المكتب",
];
export const OOO_SUBJECT = new RegExp(`^(?:\\[[^\\]]*\\]\\s*)?(?:${OOO_PREFIXES.join("|")})\\s*[:：]`, "iu");
/** The whole subject is the marker (some Exchange and Notes versions drop the original subject). */
export const OOO_SUBJECT_ALONE = new RegExp(`^(?:\\[[^\\]]*\\]\\s*)?(?:${OOO_PREFIXES.join("|")})\\s*$`, "iu");

/**
 * Opening sentences of out-of-office bodies. A person may write the same words ("I am out of the office until
 * Monday, can you call Eva?"), so a body match counts only with a machine trait (see classify.ts).
 */
export const OOO_BODY = new RegExp(
  [
    "i (?:am|'m|will be) (?:currently )?(?:out of (?:the )?office|away from (?:the )?office|on (?:annual )?leave|on vacation|on holiday)",
    "ich bin (?:bis|vom|ab) .{1,40} (?:nicht im büro|abwesend|im urlaub)", "ich bin (?:derzeit|zurzeit) (?:nicht im büro|abwesend|im urlaub)",
    "je suis (?:actuellement )?absente? (?:du bureau )?jusqu", "estoy fuera de la oficina", "sono (?:attualmente )?fuori (?:sede|ufficio)",
    "ik ben (?:tot|van) .{1,40} afwezig", "ik ben (?:momenteel )?afwezig", "estou (?:fora do escritório|ausente)", "jag är (?:ledig|borta|på semester)",
    "jeg er (?:på ferie|ikke på kontoret)", "olen (?:lomalla|poissa toimistolta)", "я (?:в отпуске|нахожусь вне офиса)",
    "jsem (?:mimo kancelář|na dovolené)", "jestem (?:poza biurem|na urlopie)", "我(?:目前)?不在办公室", "不在にしております",
    "אני (?:מחוץ למשרד|בחופשה)", "أنا (?:خارج المكتب|في إجازة)",
  ].join("|"),
  "iu",
);

/**
 * Local parts of senders no person answers from: no-reply addresses and the notification and receipt senders
 * of payment and SaaS systems. Acknowledging them answers a machine (at best into the void, at worst into a
 * loop with the system's own auto-reply).
 */
export const NOTIFICATION_LOCAL = /^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|noreply[-_.+].*|no-reply[-_.+].*|notifications?|notify|alerts?|automailer|receipts?|invoice\+statements)$/i;

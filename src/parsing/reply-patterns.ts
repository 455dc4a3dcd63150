/**
 * The words mail clients write around quoted history, per language, as data. trim-reply.ts (and forwarded.ts)
 * build their line patterns from this table, so supporting a language or a client wording is one more entry
 * here plus a row in test/unit/fixtures/replies.ts, never a new branch in the trimming code.
 *
 * Entries are regular-expression sources, matched case-insensitively with the `u` flag. Each list holds what
 * the clients of that language really write (Gmail, Outlook desktop/web/mobile, Apple Mail, Thunderbird,
 * Yahoo, local webmails); wordings shared by several languages sit under the first one.
 */

export interface ReplyLanguage {
  /** Attribution verbs, the end of "On <date>, <name> wrote:" ("schrieb", "a écrit"). */
  wrote: readonly string[];
  /**
   * Whole phrases that end an attribution with a colon and say "answered" in a way no sentence of a reply
   * does ("ha risposto alla tua domanda"): such a line is an attribution without a date or address.
   */
  answered?: readonly string[];
  /** Words an attribution opens with ("On", "Am", "Le", Finnish weekday abbreviations before a date). */
  opens?: readonly string[];
  /** Quoted-header field names (Outlook/Apple/webmail header blocks above the history). */
  headers?: { from?: readonly string[]; date?: readonly string[]; to?: readonly string[]; cc?: readonly string[]; subject?: readonly string[] };
  /** Titles between dashes that start the quoted original ("-----Original Message-----"). */
  original?: readonly string[];
  /** Lines (whole-line sources) that start the quoted original without dashes ("Message du 20/10/17 …"). */
  originalLines?: readonly string[];
  /** Titles between dashes of a forwarded mail, and forward introductions ending with a colon. */
  forward?: readonly string[];
  forwardIntro?: readonly string[];
  /** Mobile and client signatures ("Sent from my iPhone", "Get Outlook for Android"), whole-line sources. */
  clientSignatures?: readonly string[];
  /** Closing words that open a sign-off ("Regards", "S pozdravem"). */
  signOffs?: readonly string[];
}

export const REPLY_LANGUAGES: Readonly<Record<string, ReplyLanguage>> = {
  en: {
    wrote: ["wrote", "writes", "said", "says", "sent", "replied"],
    answered: ["answered your question", "replied to your (?:question|message|post|comment)"],
    opens: ["on", "at", "in message"],
    headers: { from: ["from"], date: ["sent", "date"], to: ["to", "reply-to"], cc: ["cc", "bcc"], subject: ["subject"] },
    original: ["original message", "reply message", "original"],
    forward: ["forwarded message"],
    forwardIntro: ["begin forwarded message"],
    clientSignatures: [
      "sent (?:from|via|with|by) (?!my\\b).{1,80}",
      "(?:\\w+ )?from (?:my )?(?:mobile|phone|iphone|ipad|android)\\b.{0,40}",
      "get outlook for \\S.{0,60}",
      "sent from (?:outlook|mail|yahoo mail|aol) for .{1,40}",
    ],
    signOffs: ["regards", "best", "thanks", "thank you", "many thanks", "cheers", "kind regards", "best regards", "warm regards", "sincerely", "greetings", "br", "yours"],
  },
  cs: {
    wrote: ["napsal(?:\\(a\\)|a)?", "odpověděl(?:\\(a\\)|a)?"],
    opens: ["dne", "dn[eě]", "v"],
    headers: { from: ["od"], date: ["odesláno", "datum"], to: ["komu"], cc: ["kopie"], subject: ["předmět"] },
    original: ["původní zpráva", "původní e-mail"],
    forward: ["přeposlaná zpráva"],
    clientSignatures: ["odesláno (?:z|ze) .{1,60}", "stáhněte si outlook pro .{1,30}"],
    signOffs: ["s pozdravem", "pozdrav", "děkuji", "díky", "s přáním hezkého dne"],
  },
  sk: { wrote: ["napísal(?:\\(a\\)|a)?"], opens: ["dňa"], signOffs: ["s pozdravom"] },
  pl: {
    wrote: ["napisał(?:\\(a\\)|a)?", "odpowiedział(?:\\(a\\)|a)?"],
    opens: ["dnia", "w dniu"],
    headers: { from: ["od"], date: ["wysłano", "wysłane", "data"], to: ["do"], cc: ["dw", "kopia"], subject: ["temat"] },
    original: ["wiadomość oryginalna", "oryginalna wiadomość"],
    forward: ["wiadomość przekazana", "przekazana wiadomość"],
    clientSignatures: ["wysłane z .{1,60}", "wysłano z .{1,60}", "pobierz (?:aplikację )?outlook dla .{1,40}"],
    signOffs: ["pozdrawiam", "z poważaniem", "z wyrazami szacunku", "dziękuję", "serdecznie pozdrawiam"],
  },
  zh: {
    wrote: ["写道", "寫道", "回复了", "來信"],
    opens: ["在", "於"],
    headers: { from: ["发件人", "寄件者", "寄件人"], date: ["发送时间", "傳送時間", "日期", "時間"], to: ["收件人", "收件者"], cc: ["抄送", "副本"], subject: ["主题", "主旨"] },
    original: ["原始邮件", "原始郵件"],
    forward: ["转发的邮件", "轉寄郵件", "轉寄的郵件"],
    clientSignatures: ["从我的.{1,20}发送", "從我的 ?.{1,20} ?傳送", "发自我的.{1,20}", "来自我的.{1,20}", "获取 ?.{1,20} ?版 ?outlook", "取得 ?.{1,20} ?版 ?outlook"],
    signOffs: ["谢谢", "此致", "祝好", "謝謝"],
  },
  de: {
    wrote: ["schrieb", "geschrieben", "hat geschrieben"],
    opens: ["am"],
    headers: { from: ["von"], date: ["gesendet", "datum"], to: ["an"], cc: ["kopie", "cc"], subject: ["betreff"] },
    original: ["ursprüngliche nachricht", "original-nachricht", "originalnachricht"],
    forward: ["weitergeleitete nachricht"],
    forwardIntro: ["anfang der weitergeleiteten nachricht"],
    clientSignatures: [
      "von meinem .{1,60} gesendet\\.?",
      "gesendet von meinem .{1,60}",
      "gesendet (?:von|mit) (?:outlook|mail|yahoo mail) für .{1,40}",
      "von outlook für .{1,30} gesendet",
      "diese nachricht wurde von .{1,80} gesendet\\.?",
      "holen sie sich outlook für .{1,30}",
    ],
    signOffs: ["mit freundlichen grüßen", "freundliche grüße", "viele grüße", "beste grüße", "liebe grüße", "grüße", "gruß", "mfg", "lg"],
  },
  fr: {
    wrote: ["a écrit", "nous a dit", "a répondu"],
    answered: ["a répondu à (?:votre|ta) question"],
    opens: ["le"],
    headers: { from: ["de", "expéditeur"], date: ["envoyé", "envoyé le", "date"], to: ["à", "a", "destinataire", "répondre à"], cc: ["cc", "copie à"], subject: ["objet"] },
    original: ["message d'origine", "message original"],
    originalLines: ["message du\\s*:?\\s*\\d.{0,60}", "message du\\s*:.{0,80}"],
    forward: ["message transféré"],
    forwardIntro: ["début du message transféré", "message transféré"],
    clientSignatures: [
      "envoyé (?:depuis|de) (?:mon|ma|yahoo|l'application).{0,60}",
      "envoyé (?:à partir|depuis) d[e'] ?(?:outlook|mail|yahoo mail) pour .{1,40}",
      "obtenir outlook pour .{1,30}",
    ],
    signOffs: ["cordialement", "bien à vous", "bien cordialement", "salutations", "merci", "bonne journée"],
  },
  es: {
    wrote: ["escribió", "ha escrito"],
    opens: ["el"],
    headers: { from: ["de", "remitente"], date: ["enviado", "enviado el", "fecha"], to: ["para"], cc: ["cc"], subject: ["asunto"] },
    original: ["mensaje original"],
    forward: ["mensaje reenviado"],
    forwardIntro: ["inicio del mensaje reenviado"],
    clientSignatures: ["enviado desde (?:mi|outlook|yahoo).{1,60}", "obtener outlook para .{1,30}"],
    signOffs: ["saludos", "un saludo", "atentamente", "gracias", "saludos cordiales"],
  },
  it: {
    wrote: ["ha scritto", "scrive"],
    answered: ["ha risposto alla tua domanda", "ha risposto al tuo messaggio"],
    opens: ["il"],
    headers: { from: ["da", "mittente"], date: ["inviato", "data"], to: ["a", "risposta"], cc: ["cc"], subject: ["oggetto"] },
    original: ["messaggio originale"],
    forward: ["messaggio inoltrato"],
    forwardIntro: ["inizio messaggio inoltrato"],
    clientSignatures: ["inviato da .{1,60}", "scarica outlook per .{1,30}"],
    signOffs: ["cordiali saluti", "distinti saluti", "saluti", "grazie", "un saluto"],
  },
  nl: {
    wrote: ["schreef", "geschreven", "heeft geschreven"],
    answered: ["heeft je vraag beantwoord", "heeft uw vraag beantwoord"],
    opens: ["op"],
    headers: { from: ["van"], date: ["verzonden", "datum"], to: ["aan"], cc: ["cc"], subject: ["onderwerp"] },
    original: ["oorspronkelijk bericht", "origineel bericht"],
    forward: ["doorgestuurd bericht"],
    forwardIntro: ["begin doorgestuurd bericht"],
    clientSignatures: ["(?:verzonden|verstuurd) (?:met|vanaf|van) (?:mijn|outlook).{1,60}", "outlook voor .{1,30} downloaden"],
    signOffs: ["met vriendelijke groet", "met vriendelijke groeten", "groeten", "groet", "mvg", "bedankt"],
  },
  pt: {
    wrote: ["escreveu"],
    opens: ["em", "no dia"],
    headers: { from: ["de"], date: ["enviado", "enviada em", "data"], to: ["para"], cc: ["cc"], subject: ["assunto"] },
    original: ["mensagem original"],
    forward: ["mensagem encaminhada"],
    forwardIntro: ["início da mensagem reencaminhada", "mensagem encaminhada"],
    clientSignatures: ["enviado (?:do|de|desde) (?:meu|mi|outlook).{1,60}", "obter o outlook para .{1,30}"],
    signOffs: ["atenciosamente", "cumprimentos", "obrigado", "obrigada", "abraço", "melhores cumprimentos"],
  },
  sv: {
    wrote: ["skrev"],
    opens: ["den"],
    headers: { from: ["från"], date: ["skickat", "datum"], to: ["till"], cc: ["kopia"], subject: ["ämne"] },
    original: ["ursprungligt meddelande"],
    forward: ["vidarebefordrat meddelande"],
    clientSignatures: ["skickat från (?:min|outlook).{1,60}", "från min .{1,60}", "hämta outlook för .{1,30}"],
    signOffs: ["med vänliga hälsningar", "vänliga hälsningar", "hälsningar", "mvh", "tack"],
  },
  da: {
    wrote: ["skrev"],
    opens: ["den"],
    headers: { from: ["fra"], date: ["sendt", "dato"], to: ["til"], cc: ["cc"], subject: ["emne"] },
    original: ["oprindelig (?:besked|meddelelse)", "original meddelelse"],
    forward: ["videresendt (?:besked|meddelelse)"],
    clientSignatures: ["sendt fra (?:min|outlook).{1,60}", "hent outlook til .{1,30}"],
    signOffs: ["med venlig hilsen", "venlig hilsen", "hilsen", "mvh", "tak"],
  },
  no: { wrote: ["skrev"], original: ["opprinnelig melding"], forward: ["videresendt melding"], clientSignatures: ["sendt fra min .{1,60}"], signOffs: ["med vennlig hilsen"] },
  fi: {
    wrote: ["kirjoitti"],
    // Finnish Outlook and Gmail open with the weekday abbreviation: "pe 20. lokakuuta 2017 klo 17.50 …".
    // "to" (Thursday) and "la" (Saturday) are left out: as English and Romance words they open prose lines.
    opens: ["ma", "ti", "ke", "pe", "su"],
    headers: { from: ["lähettäjä"], date: ["lähetetty", "päivämäärä"], to: ["vastaanottaja"], cc: ["kopio"], subject: ["aihe"] },
    original: ["alkuperäinen viesti"],
    forward: ["välitetty viesti"],
    clientSignatures: ["lähetetty .{1,60}", "hanki outlook .{1,30}"],
    signOffs: ["ystävällisin terveisin", "terveisin", "kiitos"],
  },
  ru: {
    wrote: ["написал(?:\\(а\\)|а)?", "пише", "писал", "ответил(?:\\(а\\)|а)?"],
    headers: { from: ["от"], date: ["отправлено", "дата"], to: ["кому"], cc: ["копия"], subject: ["тема"] },
    original: ["исходное сообщение", "пересылаемое сообщение"],
    forward: ["пересылаемое сообщение", "переадресованное сообщение"],
    clientSignatures: ["отправлено (?:с|из) .{1,60}", "получить outlook для .{1,30}"],
    signOffs: ["с уважением", "спасибо", "всего доброго"],
  },
  ja: {
    wrote: ["書きました", "のメッセージ", "さんは書きました"],
    headers: { from: ["差出人", "送信者"], date: ["送信日時", "日付"], to: ["宛先"], cc: ["cc"], subject: ["件名"] },
    original: ["元のメッセージ", "オリジナルメッセージ"],
    forward: ["転送されたメッセージ", "転送メッセージ"],
    clientSignatures: [".{1,20}から送信", ".{1,20} 用 outlook を入手"],
    signOffs: ["よろしくお願いします", "よろしくお願いいたします"],
  },
  vi: { wrote: ["đã viết"], opens: ["vào"] },
  is: { wrote: ["skrifaði"] },
  he: { wrote: ["כתב(?:\\/ה|ה)?"], clientSignatures: ["נשלח מה-?.{1,30}"] },
  ar: { wrote: ["كتب"], clientSignatures: ["(?:أرسلت|مرسل) من .{1,30}"] },
};

const all = (pick: (l: ReplyLanguage) => readonly string[] | undefined): string[] => [...new Set(Object.values(REPLY_LANGUAGES).flatMap((l) => pick(l) ?? []))];
/** Longest first, so "envoyé le" is tried before "envoyé" in an alternation. */
export const alternation = (words: string[]): string => [...words].sort((a, b) => b.length - a.length).join("|");

export const WROTE_WORDS = alternation(all((l) => l.wrote));
export const ANSWERED_WORDS = alternation(all((l) => l.answered));
export const OPEN_WORDS = alternation(all((l) => l.opens));
export const FROM_NAMES = all((l) => l.headers?.from);
export const DATE_NAMES = all((l) => l.headers?.date);
export const TO_NAMES = all((l) => l.headers?.to);
export const CC_NAMES = all((l) => l.headers?.cc);
export const SUBJECT_NAMES = all((l) => l.headers?.subject);
export const HEADER_NAMES = alternation([...FROM_NAMES, ...DATE_NAMES, ...TO_NAMES, ...CC_NAMES, ...SUBJECT_NAMES]);
export const ORIGINAL_TITLES = alternation(all((l) => l.original));
export const ORIGINAL_LINES = alternation(all((l) => l.originalLines));
export const FORWARD_TITLES = alternation(all((l) => l.forward));
export const FORWARD_INTROS = alternation(all((l) => l.forwardIntro));
export const CLIENT_SIGNATURES = all((l) => l.clientSignatures);
export const SIGN_OFF_WORDS = alternation(all((l) => l.signOffs));

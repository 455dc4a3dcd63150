/**
 * Is this message written by a person, or by a machine (auto-reply, bounce, feedback report, list mail)?
 * Pure. Decides whether Mailcase may answer (acknowledgements) and whether the mail may open a case.
 *
 * Order of the checks matters and is deliberate:
 *  1. Reports (DSN, ARF, MDN) and bounces first: most bounces also carry `Auto-Submitted: auto-replied`
 *     or `auto-generated`, and we want the more specific kind plus the failed recipients.
 *  2. RFC 3834 markers and vendor auto-reply headers.
 *  3. Out-of-office subjects (many languages), then list/bulk markers.
 * Anything with no marker is human. `Auto-Submitted: no` is an explicit *human* marker (RFC 3834 §5):
 * treating it as automatic silences real customers.
 *
 * Measured against ../shared/corpus by test/corpus/classify-corpus.test.ts and tools/corpus-report.ts.
 */
import type { ParsedMessage } from "../parsed-message.ts";
import {
  BOUNCE_BODY, BOUNCE_SUBJECT, DAEMON_DISPLAY, DAEMON_LOCAL, NO_REPLY_LOCAL, NOTIFICATION_LOCAL, OOO_BODY, OOO_SUBJECT, OOO_SUBJECT_ALONE,
  POSTMASTER_LOCAL,
} from "./automatic-patterns.ts";
import { bounce, bounceText } from "./bounce-recipients.ts";
import type { Classification, ClassifyOptions } from "./classification.ts";
import { contentTypeParam, first, flagHeader, header } from "./message-headers.ts";
import { amazonSesNotification } from "./ses.ts";

export type { AutomaticKind, BounceRecipient, BounceReferences, Classification, ClassifyOptions } from "./classification.ts";
export { bounceReferences, parseDsnFields } from "./bounce-recipients.ts";

export function classifyMessage(msg: ParsedMessage, opts: ClassifyOptions = {}): Classification {
  const subject = msg.subject.trim();
  const reportType = msg.contentType === "multipart/report" ? (contentTypeParam(msg, "report-type") ?? "") : null;
  const autoSubmitted = first(msg, "auto-submitted")?.toLowerCase() ?? null;
  const isAutoSubmitted = autoSubmitted !== null && !/^no\b/.test(autoSubmitted);
  const returnPathEmpty = header(msg, "return-path").some((v) => /^<\s*>$/.test(v.trim()));

  // 1. Machine-readable reports.
  const ses = amazonSesNotification(msg);
  if (ses) return ses;
  if (reportType === "feedback-report" || msg.attachments.some((a) => a.contentType === "message/feedback-report"))
    return { kind: "feedback-report", reason: "arf:feedback-report" };
  // Apple Mail's one-click unsubscribe ("Apple Mail sent this email to unsubscribe") is an opt-out report.
  if (flagHeader(msg, "x-apple-unsubscribe")) return { kind: "feedback-report", reason: "header:x-apple-unsubscribe" };
  // Hotmail/Outlook.com JMRP complaints: no ARF part, a fixed subject from the provider's staff address.
  if (/^complaint about message from \d{1,3}(?:\.\d{1,3}){3}\s*$/i.test(subject) && /@(hotmail|outlook|live|msn)\./i.test(msg.from?.address ?? ""))
    return { kind: "feedback-report", reason: "jmrp:complaint" };
  if (reportType === "disposition-notification") return { kind: "auto-reply", reason: "mdn:disposition-notification" };

  const dsnPart = msg.attachments.some((a) => /^message\/(global-)?delivery-status$/.test(a.contentType));
  if (reportType === "delivery-status" || dsnPart) return bounce(msg, reportType === "delivery-status" ? "dsn:multipart/report" : "dsn:delivery-status-part");
  if (header(msg, "x-failed-recipients").length > 0) return bounce(msg, "header:x-failed-recipients");

  // 2. Bounces without a DSN part: who sent it, plus corroborating wording.
  const fromHeader = first(msg, "from") ?? "";
  const fromLocal = (msg.from?.address ?? "").split("@")[0] ?? "";
  const fromDaemon = DAEMON_LOCAL.test(fromLocal) || DAEMON_DISPLAY.test(fromHeader) || (msg.from === null && /mailer-daemon/i.test(fromHeader));
  // No usable From at all: "From: <>" (the null reverse-path copied into From), a bare "MAILER-DAEMON" or
  // "postmaster" without a domain, or no From header. With a delivery report's traits that is a bounce:
  // filing it as "a message without a sender" would lose the bounce of our own mail.
  const nullSender = msg.from === null && (/^\s*(?:<\s*>)?\s*$/.test(fromHeader) || /^\W*(?:mailer[-_.]?daemon|post[-_]?master)\b/i.test(fromHeader));
  const bounceSubject = BOUNCE_SUBJECT.test(subject) && !/^(re|fwd?|aw|wg|tr|sv|vs|rv|odp|přeposl)\s*[:：]/i.test(subject);
  const bounceBody = BOUNCE_BODY.test(bounceText(msg).slice(0, 4000));
  const hasDsnFields = /^\s*final-recipient\s*:/im.test(msg.text) && /^\s*status\s*:\s*[245]\.\d/im.test(msg.text);
  if (fromDaemon) return bounce(msg, "from:mailer-daemon");
  if (nullSender && (bounceSubject || bounceBody || hasDsnFields || returnPathEmpty || isAutoSubmitted)) return bounce(msg, "from:null-sender");
  if (POSTMASTER_LOCAL.test(fromLocal) && (bounceSubject || bounceBody || hasDsnFields || isAutoSubmitted || returnPathEmpty))
    return bounce(msg, "from:postmaster");
  // Carriers send NDRs from no-reply addresses (KDDI "Could not be delivered to: <…>"); no person writes from no-reply.
  if (NO_REPLY_LOCAL.test(fromLocal) && (bounceSubject || bounceBody)) return bounce(msg, "from:no-reply");
  // Someone forwarding a bounce ("Fwd: Undelivered Mail…") is a person asking for help: the subject check
  // above excludes reply/forward prefixes, and a person's mail has neither Auto-Submitted nor an empty Return-Path.
  // Bounce wording in the subject and the body is not enough on its own ("Mail delivery failed?" / "my mail
  // could not be delivered to …" is a customer asking): it takes a machine trait as well — the null
  // Return-Path of RFC 5321 §4.5.5, Auto-Submitted, DSN fields, or no usable From address at all.
  if (bounceSubject && (returnPathEmpty || isAutoSubmitted || hasDsnFields || (msg.from === null && bounceBody))) return bounce(msg, "subject:non-delivery");
  if ((returnPathEmpty || isAutoSubmitted) && hasDsnFields) return bounce(msg, "body:dsn-fields");

  // 3. RFC 3834 and vendor auto-reply markers.
  if (isAutoSubmitted && autoSubmitted !== null) return { kind: "auto-reply", reason: `auto-submitted:${autoSubmitted.split(/[;(\s]/)[0]}` };
  for (const name of ["x-autoreply", "x-autorespond", "x-autoresponse", "x-autogenerated", "x-autoreply-from", "x-mail-autoreply"]) {
    if (flagHeader(msg, name)) return { kind: "auto-reply", reason: `header:${name}` };
  }
  if (flagHeader(msg, "x-fc-machinegenerated")) return { kind: "auto-reply", reason: "header:x-fc-machinegenerated" };
  const precedences = header(msg, "precedence").map((v) => v.trim().toLowerCase());
  if (precedences.some((p) => p === "auto_reply" || p === "auto-reply")) return { kind: "auto-reply", reason: "precedence:auto_reply" };

  const oooSubject = OOO_SUBJECT.test(subject) || OOO_SUBJECT_ALONE.test(subject);
  // X-Auto-Response-Suppress asks *others* not to auto-reply to this message. Exchange puts it on its own
  // OOF replies, but many CRMs, newsletters and some Outlook versions put it on ordinary outbound mail
  // too, so on its own it proves nothing. With Exchange's inbox-rule loop header, an OOO subject or an
  // empty Return-Path it is the Exchange/Outlook auto-reply fingerprint.
  const suppress = header(msg, "x-auto-response-suppress").join(",").toLowerCase();
  const suppressAuto = /\b(all|oof|autoreply)\b/.test(suppress);
  const exchangeRuleLoop = header(msg, "x-ms-exchange-inbox-rules-loop").length > 0 || header(msg, "x-ms-exchange-generated-message-source").length > 0;
  if (suppressAuto && (exchangeRuleLoop || oooSubject || returnPathEmpty)) return { kind: "auto-reply", reason: "header:x-auto-response-suppress" };
  // Apple iCloud vacation responder marks its replies with X-Apple-Action/X-Apple-Criteria.
  if (header(msg, "x-apple-action").some((v) => /vacation|auto/i.test(v))) return { kind: "auto-reply", reason: "header:x-apple-action" };
  if (oooSubject) return { kind: "auto-reply", reason: "subject:out-of-office" };
  // An out-of-office body counts with a machine trait only: a person may write the same sentence.
  if ((suppress !== "" || returnPathEmpty || exchangeRuleLoop) && OOO_BODY.test(msg.text.slice(0, 1500))) return { kind: "auto-reply", reason: "body:out-of-office" };

  // 4. Lists and bulk senders.
  const bulkPrecedence = precedences.find((p) => p === "bulk" || p === "junk" || p === "list");
  if (bulkPrecedence) return { kind: "bulk", reason: `precedence:${bulkPrecedence}` };
  if (header(msg, "list-id").length > 0) return { kind: "bulk", reason: "header:list-id" };
  if (header(msg, "list-unsubscribe").length > 0) return { kind: "bulk", reason: "header:list-unsubscribe" };
  // Other RFC 2369 fields and list-manager markers (fml, Mailman) identify list traffic and list-manager notices.
  for (const name of ["list-post", "list-subscribe", "list-help", "mailing-list", "x-mlserver", "x-mailman-version"]) {
    if (header(msg, name).length > 0) return { kind: "bulk", reason: `header:${name}` };
  }

  // No person answers from a no-reply or notification address: never acknowledged, never a new case.
  if (NOTIFICATION_LOCAL.test(fromLocal)) return { kind: "bulk", reason: "from:no-reply" };

  if (opts.ownAddresses?.some((a) => a.toLowerCase() === msg.from?.address)) return { kind: "auto-reply", reason: "from:own-address" };
  return { kind: "human", reason: autoSubmitted !== null ? "auto-submitted:no" : "no automatic markers" };
}

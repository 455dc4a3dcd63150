/**
 * Is this message written by a person, or by a machine (auto-reply, bounce, feedback report, list mail)?
 * Pure. Decides whether Mailcase may answer (acknowledgements) and whether the mail may open a case.
 *
 * RFC 3834: `Auto-Submitted` with any value other than `no` marks automatic mail; `no` explicitly marks
 * human mail (a peer gets this wrong and silences real customers).
 */
import type { ParsedMessage } from "./parsed-message.ts";

export type AutomaticKind = "human" | "auto-reply" | "bounce" | "feedback-report" | "bulk";

export interface BounceRecipient {
  address: string;
  status: string | null;
  action: string | null;
  diagnostic: string | null;
}

export interface Classification {
  kind: AutomaticKind;
  /** Short machine reason, e.g. "auto-submitted:auto-replied", "dsn:multipart/report". */
  reason: string;
  bounce?: { recipients: BounceRecipient[]; originalMessageId: string | null };
}

const OOO_SUBJECT =
  /^(?:auto(?:matic)?[ -]?(?:reply|response|antwort)|out of (?:the )?office|abwesenheit|automatische antwort|automatická odpověď|mimo kancelář|nepřítomnost|automatyczna odpowied[zź]|poza biurem|nieobecno[sś][cć]|自动回复|自動回覆|自動応答|réponse automatique|absence|afwezig|automatisch antwoord|frånvaro|autosvar|fravær|poissa|abwesend)/iu;

const first = (msg: ParsedMessage, name: string): string | null => msg.headers[name]?.[0]?.trim() ?? null;

/** Subjects of non-delivery reports in the wild (MTAs, providers, carriers; several languages). */
const BOUNCE_SUBJECT =
  /(mail delivery (failed|failure|subsystem|system)|delivery status notification|undeliver|returned mail|failure notice|delivery fail|non[- ]?delivery|delivery notification|mail system error|could not send|not delivered|delivery has failed|couldn'?t be delivered|nicht zustellbar|unzustellbar|nedoru[cč]iteln|niedostarczon|unable to deliver|delivery problem|rejected:|message rejected|bounce notification|returned to sender|error sending|delayed \d+ hours|delivery delayed|warning: message|メールエラー|配信|退信|未能送达|系统退信)/i;
/** Display names / local parts of machine senders. */
const DAEMON = /^(mailer[-_ ]?daemon|post[-_]?master|mail[-_ ]?daemon|mail[-_ ]?delivery[-_ ]?(system|subsystem)?|maildelivery|system administrator)$/i;

export function classifyMessage(msg: ParsedMessage, opts: { ownAddresses?: readonly string[] } = {}): Classification {
  const from = msg.from?.address ?? "";
  const fromLocal = from.includes("@") ? from.slice(0, from.indexOf("@")) : from;
  const fromName = msg.from?.name ?? "";
  const contentType = msg.contentType;
  const reportType = /report-type\s*=\s*"?([\w-]+)/i.exec(msg.headers["content-type"]?.[0] ?? "")?.[1]?.toLowerCase() ?? null;
  const subject = msg.subject.trim();

  // Structured reports first: they say what they are.
  if (contentType === "multipart/report" && reportType === "feedback-report") return { kind: "feedback-report", reason: "arf:feedback-report" };
  if (msg.attachments.some((a) => a.contentType === "message/feedback-report")) return { kind: "feedback-report", reason: "arf:feedback-report" };
  const sns = /notificationType\\?"\s*:\s*\\?"(Bounce|Complaint|Delivery)/.exec(msg.text);
  if (sns && /amazonaws\.com$/i.test(from)) return sns[1] === "Complaint" ? { kind: "feedback-report", reason: "ses:complaint" } : bounce(msg, "ses:bounce");
  if (contentType === "multipart/report" && (reportType === "delivery-status" || reportType === null)) return bounce(msg, "dsn:multipart/report");
  if (msg.attachments.some((a) => /^message\/(global-)?delivery-status$/.test(a.contentType))) return bounce(msg, "dsn:delivery-status");

  // Non-delivery reports without DSN parts: a machine sender or a null return path, plus bounce wording.
  const returnPath = first(msg, "return-path");
  const rawFrom = first(msg, "from") ?? "";
  const daemon = DAEMON.test(fromLocal) || DAEMON.test(fromName.trim()) || (from === "" && /daemon|post_?master/i.test(rawFrom));
  const machineSender = daemon || /^(no-?reply|do-?not-?reply|bounces?)([-+.].*)?$/i.test(fromLocal);
  const bounceSubject = BOUNCE_SUBJECT.test(subject);
  if (msg.headers["x-failed-recipients"]) return bounce(msg, "header:x-failed-recipients");
  if (daemon && (bounceSubject || BOUNCE_TEXT.test(msg.text))) return bounce(msg, "from:mailer-daemon");
  if ((returnPath === "<>" || daemon) && bounceSubject) return bounce(msg, "return-path:<>");

  // Auto-replies.
  const autoSubmitted = first(msg, "auto-submitted")?.toLowerCase() ?? null;
  if (autoSubmitted && !/^no\b/.test(autoSubmitted)) {
    if (bounceSubject && BOUNCE_TEXT.test(msg.text)) return bounce(msg, `auto-submitted:${autoSubmitted.split(";")[0]}+bounce`);
    return { kind: "auto-reply", reason: `auto-submitted:${autoSubmitted.split(";")[0]}` };
  }
  if (msg.headers["x-autoreply"] || msg.headers["x-autorespond"] || msg.headers["x-autoresponse"]) return { kind: "auto-reply", reason: "header:x-autoreply" };
  const precedence = first(msg, "precedence")?.toLowerCase() ?? null;
  if (precedence && ["auto_reply", "auto-reply"].includes(precedence)) return { kind: "auto-reply", reason: `precedence:${precedence}` };
  if (OOO_SUBJECT.test(subject)) return { kind: "auto-reply", reason: "subject:out-of-office" };
  if (daemon) return bounce(msg, "from:mailer-daemon");
  if (returnPath === "<>" && bounceSubject) return bounce(msg, "return-path:<>");
  if (precedence && ["bulk", "junk", "list"].includes(precedence)) return { kind: "bulk", reason: `precedence:${precedence}` };
  if (msg.headers["list-id"] || msg.headers["list-unsubscribe"]) return { kind: "bulk", reason: "header:list-id" };
  if (opts.ownAddresses?.includes(from)) return { kind: "auto-reply", reason: "from:own-address" };
  // A customer may well write "my mail could not be delivered to x@y": wording alone never makes a bounce,
  // it needs a machine sender or a null return path as well.
  if ((machineSender || returnPath === "<>") && BOUNCE_TEXT.test(msg.text) && extractTextRecipients(msg.text).length > 0) return bounce(msg, "machine-sender+text:bounce");
  return { kind: "human", reason: autoSubmitted === "no" ? "auto-submitted:no" : "no automatic markers" };
}

/** Wording that introduces the failed recipient(s) in plain-text bounces. */
const BOUNCE_TEXT =
  /(following (list of )?(recipients?|addresses?)|could not be delivered|couldn'?t be delivered|did not reach|undeliverable|delivery (to the following|has failed|failed)|permanent (error|fatal)|user unknown|unknown user|no such (user|mailbox)|mailbox (is )?(full|unavailable|not found)|was not delivered|not be delivered|invalid recipient|delivery failure|address rejected|rejected|failed to deliver|unable to deliver|could not deliver|recipient address|returned to sender|送信できませんでした|無法|失败)/i;

const ADDRESS = /<?([a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+)>?/gi;
const SKIP_LINE = /^\s*(from|return-path|sender|reply-to|message-id|received|by|with|references|in-reply-to|x-[\w-]+|dkim-signature|list-[\w-]+|errors-to|subject|date|arrival-date|reporting-mta|received-from-mta)\s*:/i;

/** Failed recipients from the text of a bounce without (usable) DSN parts. */
export function extractTextRecipients(text: string): BounceRecipient[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const startAt = lines.findIndex((l) => BOUNCE_TEXT.test(l));
  const from = startAt >= 0 ? startAt : 0;
  const out: BounceRecipient[] = [];
  // Stop at the returned original message: addresses there are the sender's, not the failed recipient's.
  const stop = lines.findIndex((l, i) => i > from && /^(-+\s*)?(original message|below is a copy|the original message|------ This is a copy|--- Below this line|Content-Type: message\/rfc822|\s*-+ ?(Original|Returned|Undelivered) (message|mail))/i.test(l.trim()));
  const end = stop > from ? stop : lines.length;
  let lastHit = -1;
  for (let i = from; i < end && out.length < 20; i++) {
    const line = lines[i]!;
    if (SKIP_LINE.test(line)) continue;
    // Failed recipients come as one block: after the first, only directly following lines count.
    if (lastHit >= 0 && i > lastHit + 1) break;
    for (const m of line.matchAll(ADDRESS)) {
      const address = m[1]!.toLowerCase().replace(/\.$/, "");
      if (/^mailer-daemon@/i.test(address) || out.some((r) => r.address === address)) continue;
      const around = lines.slice(i, i + 6).join(" ");
      const status = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(around)?.[1] ?? null;
      out.push({ address, status, action: "failed", diagnostic: line.trim().slice(0, 300) });
      lastHit = i;
    }
    if (out.length === 0 && i > from + 60) break;
  }
  return out;
}

/** Extracts failed recipients from a message/delivery-status part, or from common text bounce formats. */
function bounce(msg: ParsedMessage, reason: string): Classification {
  const recipients: BounceRecipient[] = [];
  if (reason === "ses:bounce") {
    // Amazon SES/SNS JSON: the bounced (or delivered) recipients are listed explicitly.
    const list = /(?:bouncedRecipients|recipients)\\?"\s*:\s*\[([^\]]*)\]/.exec(msg.text)?.[1] ?? "";
    for (const m of list.matchAll(/(?:emailAddress\\?"\s*:\s*)?\\?"([^"\\\s]+@[^"\\\s]+)\\?"/g)) {
      const address = m[1]!.toLowerCase();
      if (!recipients.some((r) => r.address === address))
        recipients.push({ address, status: /\\?"status\\?"\s*:\s*\\?"([245]\.\d+\.\d+)/.exec(msg.text)?.[1] ?? null, action: "failed", diagnostic: null });
    }
    if (recipients.length) return { kind: "bounce", reason, bounce: { recipients, originalMessageId: null } };
  }
  const dsnTexts = msg.attachments.filter((a) => /^message\/(global-)?delivery-status$/.test(a.contentType)).map((a) => a.content.toString("utf8"));
  // Some parsers fold the delivery-status part into the text body, and broken MIME hides it entirely:
  // read DSN fields from the text, then from the raw bytes.
  if (/^\s*final-recipient\s*:/im.test(msg.text)) dsnTexts.push(msg.text);
  if (dsnTexts.length === 0 && /^\s*final-recipient\s*:/im.test(msg.rawText)) dsnTexts.push(msg.rawText.split(/^content-type:\s*(message\/rfc822|text\/rfc822-headers)/im)[0] ?? msg.rawText);
  for (const text of dsnTexts) {
    for (const block of text.replace(/\r\n?/g, "\n").split(/\n\s*\n/)) {
      const field = (name: string) => new RegExp(`^${name}[ \\t]*:[ \\t]*(.+)$`, "im").exec(block)?.[1]?.trim() ?? null;
      const rcpt = field("final-recipient") ?? field("original-recipient");
      if (!rcpt) continue;
      // "rfc822; <@relay:user@host>": drop the address type and any source route.
      const address = rcpt.replace(/^[^;]*;\s*/, "").replace(/^<|>$/g, "").replace(/^@[^:]+:/, "").trim().toLowerCase();
      if (/^[^@\s]+@[^@\s]+$/.test(address) && !recipients.some((r) => r.address === address))
        recipients.push({ address, status: field("status")?.split(/\s/)[0] ?? null, action: field("action")?.toLowerCase() ?? null, diagnostic: field("diagnostic-code") });
    }
  }
  for (const v of msg.headers["x-failed-recipients"] ?? []) {
    for (const a of v.split(/[,\s]+/)) if (a.includes("@") && !recipients.some((r) => r.address === a.toLowerCase())) recipients.push({ address: a.toLowerCase(), status: null, action: "failed", diagnostic: null });
  }
  const sesJson = /"(?:emailAddress)"\s*:\s*\\?"([^"\\]+@[^"\\]+)\\?"/.exec(msg.text);
  if (recipients.length === 0 && sesJson?.[1]) recipients.push({ address: sesJson[1].toLowerCase(), status: /\\?"status\\?"\s*:\s*\\?"([245]\.\d+\.\d+)/.exec(msg.text)?.[1] ?? null, action: "failed", diagnostic: null });
  if (recipients.length === 0) recipients.push(...extractTextRecipients(msg.text));
  if (recipients.length === 0) recipients.push(...extractTextRecipients(msg.attachments.filter((a) => a.contentType === "text/plain").map((a) => a.content.toString("latin1")).join("\n")));
  const original = msg.attachments.find((a) => a.contentType === "message/rfc822" || a.contentType === "text/rfc822-headers");
  if (recipients.length === 0) {
    // Last resort: the returned original's To (Mailcase sends every mail to exactly one recipient, so for our
    // own mail this is the failed address).
    const head = original?.content.toString("latin1") ?? /(?:original message|undelivered message)[\s\S]*/i.exec(msg.rawText)?.[0] ?? "";
    const to = /^to:\s*(?:"?[^"<\n]*"?\s*)?<?([^<>\s@]+@[^<>\s@]+\.[a-z]{2,})>?\s*$/im.exec(head)?.[1];
    if (to) recipients.push({ address: to.toLowerCase(), status: /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(msg.text)?.[1] ?? null, action: "failed", diagnostic: "from the returned message's To" });
  }
  const originalMessageId = original ? (/^message-id:\s*<?([^<>\s]+)>?/im.exec(original.content.toString("utf8"))?.[1] ?? null) : null;
  return { kind: "bounce", reason, bounce: { recipients, originalMessageId } };
}

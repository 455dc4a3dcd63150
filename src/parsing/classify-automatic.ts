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

export function classifyMessage(msg: ParsedMessage, opts: { ownAddresses?: readonly string[] } = {}): Classification {
  const from = msg.from?.address ?? "";
  const contentType = msg.contentType;
  const reportType = /report-type\s*=\s*"?([\w-]+)/i.exec(msg.headers["content-type"]?.[0] ?? "")?.[1]?.toLowerCase() ?? null;

  // Bounces / delivery status notifications.
  if (contentType === "multipart/report" && reportType === "delivery-status") return bounce(msg, "dsn:multipart/report");
  if (contentType === "multipart/report" && reportType === "feedback-report") return { kind: "feedback-report", reason: "arf:feedback-report" };
  const returnPath = first(msg, "return-path");
  const daemon = /^(mailer-daemon|postmaster|mail-daemon|mail\.delivery|maildelivery)@/i.test(from);
  if (daemon || msg.headers["x-failed-recipients"]) return bounce(msg, daemon ? "from:mailer-daemon" : "header:x-failed-recipients");
  if (returnPath === "<>" && /(undeliver|delivery (status|failure)|returned mail|failure notice|nedoručitel|niedostarczon)/i.test(msg.subject))
    return bounce(msg, "return-path:<>");

  // Auto-replies.
  const autoSubmitted = first(msg, "auto-submitted")?.toLowerCase() ?? null;
  if (autoSubmitted && !/^no\b/.test(autoSubmitted)) return { kind: "auto-reply", reason: `auto-submitted:${autoSubmitted.split(";")[0]}` };
  if (msg.headers["x-autoreply"] || msg.headers["x-autorespond"] || msg.headers["x-autoresponse"]) return { kind: "auto-reply", reason: "header:x-autoreply" };
  const precedence = first(msg, "precedence")?.toLowerCase() ?? null;
  if (precedence && ["auto_reply", "auto-reply"].includes(precedence)) return { kind: "auto-reply", reason: `precedence:${precedence}` };
  if (OOO_SUBJECT.test(msg.subject.trim())) return { kind: "auto-reply", reason: "subject:out-of-office" };
  if (precedence && ["bulk", "junk", "list"].includes(precedence)) return { kind: "bulk", reason: `precedence:${precedence}` };
  if (msg.headers["list-id"] || msg.headers["list-unsubscribe"]) return { kind: "bulk", reason: "header:list-id" };
  if (opts.ownAddresses?.includes(from)) return { kind: "auto-reply", reason: "from:own-address" };
  return { kind: "human", reason: autoSubmitted === "no" ? "auto-submitted:no" : "no automatic markers" };
}

/** Extracts failed recipients from a message/delivery-status part, or from common text bounce formats. */
function bounce(msg: ParsedMessage, reason: string): Classification {
  const recipients: BounceRecipient[] = [];
  const status = msg.attachments.find((a) => a.contentType === "message/delivery-status");
  if (status) {
    const text = status.content.toString("utf8").replace(/\r\n/g, "\n");
    for (const block of text.split(/\n\s*\n/)) {
      const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, "im").exec(block)?.[1]?.trim() ?? null;
      const rcpt = field("final-recipient") ?? field("original-recipient");
      if (!rcpt) continue;
      const address = rcpt.replace(/^[^;]*;\s*/, "").replace(/^<|>$/g, "").trim().toLowerCase();
      if (address.includes("@")) recipients.push({ address, status: field("status"), action: field("action")?.toLowerCase() ?? null, diagnostic: field("diagnostic-code") });
    }
  }
  for (const v of msg.headers["x-failed-recipients"] ?? []) {
    for (const a of v.split(/[,\s]+/)) if (a.includes("@") && !recipients.some((r) => r.address === a.toLowerCase())) recipients.push({ address: a.toLowerCase(), status: null, action: "failed", diagnostic: null });
  }
  if (recipients.length === 0) {
    const m = /<([^<>\s@]+@[^<>\s@]+\.[a-z]{2,})>[:\s]/i.exec(msg.text) ?? /^\s*([^\s@<>]+@[^\s@<>]+\.[a-z]{2,})\s*$/im.exec(msg.text);
    if (m?.[1]) recipients.push({ address: m[1].toLowerCase(), status: /\b([45]\.\d{1,3}\.\d{1,3})\b/.exec(msg.text)?.[1] ?? null, action: "failed", diagnostic: null });
  }
  const original = msg.attachments.find((a) => a.contentType === "message/rfc822" || a.contentType === "text/rfc822-headers");
  const originalMessageId = original ? (/^message-id:\s*<?([^<>\s]+)>?/im.exec(original.content.toString("utf8"))?.[1] ?? null) : null;
  return { kind: "bounce", reason, bounce: { recipients, originalMessageId } };
}

/** Amazon SES notifications delivered by SNS e-mail subscription: a JSON body, no DSN part. Pure. */
import { z } from "zod";
import type { ParsedMessage } from "../parsed-message.ts";
import { ADDRESS_G, bestStatus, dedupe } from "./bounce-recipients.ts";
import type { Classification } from "./classification.ts";
import { header } from "./message-headers.ts";

const SesRecipient = z.object({ emailAddress: z.string(), status: z.string().optional(), action: z.string().optional(), diagnosticCode: z.string().optional() });
const SesNotification = z.object({
  notificationType: z.enum(["Bounce", "Complaint", "Delivery"]),
  bounce: z.object({ bouncedRecipients: z.array(SesRecipient) }).optional(),
  delivery: z.object({ recipients: z.array(z.string()), smtpResponse: z.string().optional() }).optional(),
  mail: z.object({ messageId: z.string().optional() }).optional(),
});
const SnsEnvelope = z.object({ Type: z.literal("Notification"), Message: z.string() });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * SES bounce/complaint/delivery notifications. Only from Amazon's own senders (a developer may well paste
 * such JSON into a support mail). The JSON is validated with zod; when it does not parse (line-wrapped in
 * transit) the notification type and addresses are read with patterns instead.
 */
export function amazonSesNotification(msg: ParsedMessage): Classification | null {
  const fromAmazon = /@(sns\.amazonaws\.com|amazonses\.com)$/i.test(msg.from?.address ?? "") || header(msg, "x-amz-sns-message-id").length > 0;
  if (!fromAmazon || !msg.text.includes("notificationType")) return null;
  const body = msg.text.trim();
  const envelope = SnsEnvelope.safeParse(parseJson(body));
  const parsed = SesNotification.safeParse(envelope.success ? parseJson(envelope.data.Message) : parseJson(body));
  if (parsed.success) {
    const n = parsed.data;
    if (n.notificationType === "Complaint") return { kind: "feedback-report", reason: "ses:complaint" };
    const originalMessageId = n.mail?.messageId ?? null;
    if (n.notificationType === "Delivery") {
      const status = bestStatus(n.delivery?.smtpResponse);
      const recipients = (n.delivery?.recipients ?? []).map((a) => ({ address: a.toLowerCase(), status, action: "delivered", diagnostic: n.delivery?.smtpResponse ?? null }));
      return { kind: "bounce", reason: "ses:delivery", bounce: { recipients, originalMessageId, references: { messageIds: originalMessageId ? [originalMessageId] : [], tokenAddresses: [] } } };
    }
    const recipients = (n.bounce?.bouncedRecipients ?? []).map((r) => ({
      address: r.emailAddress.toLowerCase(),
      status: bestStatus(r.status, r.diagnosticCode),
      action: r.action?.toLowerCase() ?? "failed",
      diagnostic: r.diagnosticCode ?? null,
    }));
    return { kind: "bounce", reason: "ses:bounce", bounce: { recipients, originalMessageId, references: { messageIds: originalMessageId ? [originalMessageId] : [], tokenAddresses: [] } } };
  }
  const unescaped = body.replace(/\\"/g, '"');
  const type = /"notificationType"\s*:\s*"(Bounce|Complaint|Delivery)"/.exec(unescaped)?.[1];
  if (!type) return null;
  if (type === "Complaint") return { kind: "feedback-report", reason: "ses:complaint" };
  const list = new RegExp(`"${type === "Bounce" ? "bouncedRecipients" : "recipients"}"\\s*:\\s*\\[([^\\]]*)`).exec(unescaped)?.[1] ?? "";
  const status = bestStatus(/"status"\s*:\s*"([^"]+)"/.exec(unescaped)?.[1], /"(?:diagnosticCode|smtpResponse)"\s*:\s*"([^"]+)"/.exec(unescaped)?.[1]);
  const recipients = dedupe([...list.matchAll(ADDRESS_G)].map((m) => ({ address: m[0].toLowerCase(), status, action: type === "Bounce" ? "failed" : "delivered", diagnostic: null })));
  const originalMessageId = /"mail"\s*:\s*\{[^}]*?"messageId"\s*:\s*"([^"]+)"/.exec(unescaped)?.[1] ?? null;
  return { kind: "bounce", reason: type === "Bounce" ? "ses:bounce" : "ses:delivery", bounce: { recipients, originalMessageId, references: { messageIds: originalMessageId ? [originalMessageId] : [], tokenAddresses: [] } } };
}

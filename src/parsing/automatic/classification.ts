/** What the automatic-mail classifier answers (shared by classify.ts, bounce-recipients.ts and ses.ts). */

export type AutomaticKind = "human" | "auto-reply" | "bounce" | "feedback-report" | "bulk";

export interface BounceRecipient {
  /** Lower-cased failed recipient address. */
  address: string;
  /** RFC 3463 enhanced status code ("5.1.1") when the bounce states one. */
  status: string | null;
  /** DSN action ("failed", "delayed", "delivered", …), lower-cased; "failed" for text bounces. */
  action: string | null;
  /** Remote server's explanation, single line, when the bounce carries one. */
  diagnostic: string | null;
}

export interface Classification {
  kind: AutomaticKind;
  /** Short machine reason, e.g. "auto-submitted:auto-replied", "dsn:multipart/report". */
  reason: string;
  /**
   * Only for kind "bounce". A successful-delivery or delay DSN is also a "bounce" (it is a delivery report
   * a person did not write); look at `action` before marking a contact undeliverable.
   */
  bounce?: {
    recipients: BounceRecipient[];
    /** Message-ID of the original message when the DSN carries it (message/rfc822 or text/rfc822-headers part). */
    originalMessageId: string | null;
    /** Everything in the bounce that can tie it to one of our messages (see BounceReferences). */
    references: BounceReferences;
  };
}

export interface ClassifyOptions {
  /** Our own mailbox addresses (lower-case). Mail *from* one of them is a loop, never a customer. */
  ownAddresses?: readonly string[];
}

/**
 * What ties a bounce to the message it returns, for ingest to find our case: by Message-ID (our outbound
 * MessageRef), or by a reply token / VERP tag in an address.
 */
export interface BounceReferences {
  /** The returned message's Message-ID, then its In-Reply-To and References (newest first), without brackets. */
  messageIds: string[];
  /**
   * Addresses that can carry our reply token or a VERP tag, lower-cased: the bounce's own To, Delivered-To and
   * X-Original-To (a VERP return path comes back there), then the returned message's Reply-To, From, Sender
   * and Return-Path.
   */
  tokenAddresses: string[];
}

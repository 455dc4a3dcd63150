/**
 * Our own view of an inbound message. mailparser's types stop at parse-message.ts; every decision
 * (classification, threading, routing) works on this plain, serialisable shape so it can be unit tested.
 */
export interface Address {
  /** Lower-cased address. */
  address: string;
  name: string;
}

export interface ParsedAttachment {
  /**
   * The sender's file name made safe (safeFilename: no path, no control characters, length-limited): use it to
   * store, mail and serve the file. Null when the part has no name.
   */
  filename: string | null;
  /** The name exactly as the sender gave it, for display only (escape it); null when the part has no name. */
  originalFilename: string | null;
  contentType: string;
  size: number;
  /** Content-ID without angle brackets, for inline images. */
  contentId: string | null;
  inline: boolean;
  sha256: string;
  content: Buffer;
}

export interface ParsedMessage {
  /** Message-ID without angle brackets; null when the header is missing. */
  messageId: string | null;
  inReplyTo: string[];
  /** References in header order (oldest first), without angle brackets. */
  references: string[];
  subject: string;
  from: Address | null;
  replyTo: Address[];
  to: Address[];
  cc: Address[];
  /** Envelope-ish recipients added by the delivering MTA (Delivered-To, X-Original-To). */
  deliveredTo: string[];
  date: Date | null;
  /** Lower-cased header name → every raw (unfolded, decoded) value in order. */
  headers: Record<string, string[]>;
  /** Top-level content type, lower-cased, without parameters (e.g. "multipart/report"). */
  contentType: string;
  /** Plain-text body; derived from HTML when the message has no text part. */
  text: string;
  html: string | null;
  /**
   * The text of the HTML body after the quotes, history and signatures its mail client marked were removed
   * (html-quotes.ts); absent when the HTML has no such marks. trimMessage() prefers it to `text`.
   */
  replyText?: string;
  attachments: ParsedAttachment[];
  /**
   * The raw message as latin1 text (first 512 KiB): a last resort for classifiers when MIME parsing could
   * not walk a malformed structure (some real DSNs have broken boundaries).
   */
  rawText: string;
}

/**
 * Decides whether an inbound message continues an existing case, and records why. Pure: the service
 * looks up the candidates (token, referenced Message-IDs, subject tag) and passes them in.
 *
 * Layers, strongest first:
 *   1. a valid signed reply address (only Mailcase can mint one); for a bounce, the Message-ID of our own
 *      returned message,
 *   2. In-Reply-To naming a message of a case (inbound or outbound),
 *   3. References naming one (newest reference first: the nearest ancestor wins when a thread was split),
 *   4. our case tag in the subject — but only from someone who already takes part in the case, so a
 *      stranger typing another customer's tag cannot read or write that case.
 */
export type ThreadRule = "reply-token" | "bounced-original" | "in-reply-to" | "references" | "subject-tag";

export interface ThreadInput {
  tokenCaseId: number | null;
  /** Case of our own message that a bounce returned (its Message-ID is in the DSN's original headers). */
  bouncedOriginalCaseId?: number | null;
  /** Case ids found for each In-Reply-To id, in header order (null = unknown id). */
  inReplyToCases: (number | null)[];
  /** Case ids found for each References id, in header order (oldest first; null = unknown id). */
  referenceCases: (number | null)[];
  subjectTag: { caseId: number; senderTakesPart: boolean } | null;
}

export type ThreadDecision =
  | { kind: "existing"; caseId: number; rule: ThreadRule }
  | { kind: "new"; note: "no-match" | "subject-tag-from-stranger" };

export function resolveThread(input: ThreadInput): ThreadDecision {
  if (input.tokenCaseId !== null) return { kind: "existing", caseId: input.tokenCaseId, rule: "reply-token" };
  if (input.bouncedOriginalCaseId != null) return { kind: "existing", caseId: input.bouncedOriginalCaseId, rule: "bounced-original" };
  const irt = input.inReplyToCases.find((c): c is number => c !== null);
  if (irt !== undefined) return { kind: "existing", caseId: irt, rule: "in-reply-to" };
  const ref = [...input.referenceCases].reverse().find((c): c is number => c !== null);
  if (ref !== undefined) return { kind: "existing", caseId: ref, rule: "references" };
  if (input.subjectTag) {
    if (input.subjectTag.senderTakesPart) return { kind: "existing", caseId: input.subjectTag.caseId, rule: "subject-tag" };
    return { kind: "new", note: "subject-tag-from-stranger" };
  }
  return { kind: "new", note: "no-match" };
}

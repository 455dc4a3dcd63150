/**
 * Recognises answers to the portal's sign-in mails. Those mails are automatic (Auto-Submitted) and belong to
 * no case, so nothing that answers them (a person replying "I did not ask for this", an auto-responder, a
 * bounce) may open a case: otherwise the sign-in form becomes a way to make our helpdesk open cases for any
 * address (freescout#4314). Pure.
 */
export const SIGN_IN_MESSAGE_ID_PREFIX = "mc.sign_in.";

export function answersSignInMail(threadIds: readonly string[]): boolean {
  return threadIds.some((id) => id.toLowerCase().startsWith(SIGN_IN_MESSAGE_ID_PREFIX));
}

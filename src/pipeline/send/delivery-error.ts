/**
 * Permanent vs transient delivery failures. Pure, table-tested.
 * A real SMTP reply decides on its own: 5xx is permanent except 503 (bad sequence: usually our side,
 * worth a retry); everything else is transient. Without a reply, only configuration-type errors are
 * permanent; connection errors are transient.
 */
const PERMANENT_CODES = new Set(["EENVELOPE", "EMESSAGE", "EAUTH"]);

export function isPermanentDeliveryError(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { responseCode?: unknown; code?: unknown };
  const code = Number(e.responseCode);
  if (code) return code >= 500 && code !== 503;
  return typeof e.code === "string" && PERMANENT_CODES.has(e.code);
}

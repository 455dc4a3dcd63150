/**
 * How a case number is shown to people (`settings.caseNumberFormat`): `{prefix}`, `{n}`, `{n:6}` (zero-padded
 * to 6 digits) and `{yyyy}` (the year the case opened, UTC). Pure.
 *
 * Only the display changes: the subject tag that threading reads stays `[PREFIX-n]`, so a format change
 * never breaks replies to mail already sent.
 */
export function formatCaseNumber(format: string, c: { prefix: string; number: number; createdAt: Date }): string {
  return format.replace(/\{(prefix|n|yyyy)(?::(\d{1,2}))?\}/g, (_, field: string, width?: string) => {
    if (field === "prefix") return c.prefix;
    if (field === "yyyy") return String(c.createdAt.getUTCFullYear());
    return width ? String(c.number).padStart(Number(width), "0") : String(c.number);
  });
}

/**
 * The largest case number Mailcase allocates or accepts: 2^53 - 1, 16 digits. The column is 64-bit (the CRM
 * allows 16 digits), but case numbers travel as JS numbers (JSON, templates, zod); above this a number would be
 * silently rounded to a neighbour, so it is refused instead. The database sequence stops here too.
 */
export const MAX_CASE_NUMBER = Number.MAX_SAFE_INTEGER;

export class CaseNumberOutOfRange extends Error {
  constructor(value: bigint | string) {
    super(`case number ${value} is above ${MAX_CASE_NUMBER}, the largest Mailcase handles`);
  }
}

/**
 * A case number read from the 64-bit column as the JS number the rest of the code uses. Never throws for a
 * number Mailcase allocated (the sequence stops at MAX_CASE_NUMBER); throws rather than round a row written
 * around it.
 */
export function caseNo(n: bigint): number {
  if (n > BigInt(MAX_CASE_NUMBER) || n < 0n) throw new CaseNumberOutOfRange(n);
  return Number(n);
}

/** Digits (a tag, a command argument) as a case number, exactly, or null when zero or above MAX_CASE_NUMBER. */
export function parseCaseNumber(digits: string): number | null {
  if (!/^\d{1,16}$/.test(digits)) return null;
  const n = Number(digits);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

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

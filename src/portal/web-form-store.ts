/**
 * The configured web forms as stored rows: written by `mailcase config apply`, read by the web process with
 * the same schema as the file (a row edited by hand that no longer validates is not served).
 */
import type { Db } from "../db/client.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { WebFormConfigSchema, type WebFormConfig } from "./web-form-config.ts";

type Tx = Prisma.TransactionClient;

/** Upserts the file's forms by key; a form missing from the file stops being served (its pending requests can still be confirmed). */
export async function applyWebForms(tx: Tx, forms: readonly WebFormConfig[]): Promise<void> {
  for (const f of forms) {
    const definition = JSON.parse(JSON.stringify(f)) as Prisma.InputJsonObject;
    await tx.webForm.upsert({ where: { key: f.key }, create: { key: f.key, definition, active: true }, update: { definition, active: true } });
  }
  await tx.webForm.updateMany({ where: { key: { notIn: forms.map((f) => f.key) } }, data: { active: false } });
}

export type LoadedForm = { kind: "form"; form: WebFormConfig } | { kind: "missing" } | { kind: "invalid"; error: string };

/** The form as served now (active, valid), for every request: a changed file applies at once. */
export async function loadWebForm(db: Db | Tx, key: string, opts: { includeInactive?: boolean } = {}): Promise<LoadedForm> {
  const row = await db.webForm.findUnique({ where: { key } });
  if (!row || (!row.active && !opts.includeInactive)) return { kind: "missing" };
  const parsed = WebFormConfigSchema.safeParse(row.definition);
  return parsed.success ? { kind: "form", form: parsed.data } : { kind: "invalid", error: parsed.error.message };
}

export async function anyWebForms(db: Db): Promise<boolean> {
  return (await db.webForm.count({ where: { active: true } })) > 0;
}

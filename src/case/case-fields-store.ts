/**
 * The custom field definitions and the product catalogue as `config apply` stored them, and the one check
 * every channel (API, CLI, mail `#set`, portal forms, CSV import) runs on the values it was given, so they
 * accept and refuse exactly the same things. The decisions are in custom-fields.ts (pure); this reads the rows.
 */
import { z } from "zod";
import type { Prisma } from "../generated/prisma/client.ts";
import { CaseFieldSchema, checkFields, chooseProduct, type CaseFieldDef, type FieldValue } from "./custom-fields.ts";

type Reader = Pick<Prisma.TransactionClient, "settings" | "product">;

export interface Catalogue {
  fields: CaseFieldDef[];
  products: Array<{ id: number; code: string; name: string; active: boolean }>;
}

export async function loadCatalogue(db: Reader): Promise<Catalogue> {
  const settings = await db.settings.findUnique({ where: { id: 1 }, select: { caseFields: true } });
  const products = await db.product.findMany({ orderBy: { code: "asc" } });
  return catalogueOf(settings?.caseFields ?? [], products);
}

/** The catalogue from the stored rows (also the configuration snapshot's, config-cache.ts). */
export function catalogueOf(caseFields: Prisma.JsonValue, products: Catalogue["products"]): Catalogue {
  const fields = z.array(CaseFieldSchema).safeParse(caseFields);
  if (!fields.success) throw new Error(`Settings.caseFields is not valid (run \`mailcase config apply\`): ${fields.error.issues[0]?.message ?? ""}`);
  return { fields: fields.data, products };
}

export type FieldsPatch =
  | { ok: true; patch: { fields?: Record<string, FieldValue | null>; productId?: number | null } }
  | { ok: false; field: string; reason: string };

/**
 * Custom field values and a product code as given by a caller, checked against the catalogue: the patch
 * for changeCase, or the first problem with the input field it is about (`fields.<key>` or `product`).
 * `creating`: required fields must be given (the mail path never calls this on create: see README).
 */
export function fieldsPatch(cat: Catalogue, input: { fields?: Readonly<Record<string, unknown>> | undefined; product?: string | null | undefined }, opts: { creating: boolean }): FieldsPatch {
  const patch: { fields?: Record<string, FieldValue | null>; productId?: number | null } = {};
  if (input.fields !== undefined || opts.creating) {
    const checked = checkFields(cat.fields, input.fields ?? {}, opts);
    if (!checked.ok) return { ok: false, field: `fields.${checked.field}`, reason: checked.reason };
    if (Object.keys(checked.values).length > 0) patch.fields = checked.values;
  }
  if (input.product !== undefined) {
    const choice = chooseProduct(cat.products, input.product);
    if (!choice.ok) return { ok: false, field: "product", reason: choice.reason };
    patch.productId = choice.code === null ? null : (cat.products.find((p) => p.code === choice.code)?.id ?? null);
  }
  return { ok: true, patch };
}

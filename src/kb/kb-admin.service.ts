/**
 * Operator actions on articles (`mailcase kb list|show|publish|archive|order`): resolve a reference, act in
 * one transaction through kb-write.ts, and say what happened.
 */
import type { Db } from "../db/client.ts";
import type { KbArticleStatus } from "../kernel/domain-types.ts";
import { orderCategory, setStatus } from "./kb-write.ts";

export class KbNotFoundError extends Error {
  override name = "KbNotFoundError";
}

/** `12` (id), `billing/reset-password.cs` (key and language) or `billing/reset-password` (the only language). */
export async function resolveArticle(db: Db, ref: string): Promise<number> {
  if (/^\d+$/.test(ref)) {
    const a = await db.kbArticle.findUnique({ where: { id: Number(ref) }, select: { id: true } });
    if (!a) throw new KbNotFoundError(`no article with id ${ref}`);
    return a.id;
  }
  const m = /^(.+?)(?:\.(en|cs|pl|zh))?$/.exec(ref)!;
  const rows = await db.kbArticle.findMany({ where: { key: m[1]!, ...(m[2] ? { language: m[2] } : {}) }, select: { id: true, language: true } });
  if (rows.length === 0) throw new KbNotFoundError(`no article "${ref}"`);
  if (rows.length > 1) throw new KbNotFoundError(`"${ref}" exists in ${rows.map((r) => r.language).join(", ")}: add the language, e.g. ${m[1]}.${rows[0]!.language}`);
  return rows[0]!.id;
}

export interface ListFilter {
  status?: KbArticleStatus;
  language?: string;
  portal?: string;
  category?: string;
}

export async function listArticles(db: Db, f: ListFilter) {
  return db.kbArticle.findMany({
    where: {
      ...(f.status ? { status: f.status } : {}),
      ...(f.language ? { language: f.language } : {}),
      ...(f.portal ? { portals: { some: { portalKey: f.portal } } } : {}),
      ...(f.category ? { categories: { some: { category: { key: f.category } } } } : {}),
    },
    include: { portals: true, categories: { include: { category: true } } },
    orderBy: [{ key: "asc" }, { language: "asc" }],
  });
}

export async function showArticle(db: Db, id: number) {
  return db.kbArticle.findUniqueOrThrow({
    where: { id },
    include: { portals: true, categories: { include: { category: true } }, cases: { include: { case: { select: { number: true, subject: true } } } }, versions: { orderBy: { version: "asc" } }, events: { orderBy: { id: "asc" } }, author: true, reviewer: true },
  });
}

export async function publishArticle(db: Db, id: number, portals: string[] | undefined, actor: string, now: Date): Promise<void> {
  if (portals) {
    const known = new Set((await db.portal.findMany({ where: { key: { in: portals } }, select: { key: true } })).map((p) => p.key));
    const unknown = portals.filter((p) => !known.has(p));
    if (unknown.length) throw new KbNotFoundError(`unknown portal ${unknown.map((p) => `"${p}"`).join(", ")}`);
  }
  await db.$transaction((tx) => setStatus(tx, id, "PUBLISHED", { actor, now, ...(portals ? { portals } : {}) }));
}

export async function archiveArticle(db: Db, id: number, actor: string, now: Date): Promise<void> {
  await db.$transaction((tx) => setStatus(tx, id, "ARCHIVED", { actor, now }));
}

/** Puts the named articles first in the category, in this order; the others keep their order after them. */
export async function orderArticles(db: Db, categoryKey: string, refs: string[]): Promise<string[]> {
  const cat = await db.kbCategory.findUnique({ where: { key: categoryKey } });
  if (!cat) throw new KbNotFoundError(`no category "${categoryKey}"`);
  const ids: number[] = [];
  for (const r of refs) ids.push(await resolveArticle(db, r));
  const members = await db.kbArticleCategory.findMany({ where: { categoryId: cat.id }, orderBy: [{ position: "asc" }, { articleId: "asc" }], include: { article: { select: { key: true, language: true } } } });
  const memberIds = new Set(members.map((m) => m.articleId));
  const outside = refs.filter((_, i) => !memberIds.has(ids[i]!));
  if (outside.length) throw new KbNotFoundError(`not in category "${categoryKey}": ${outside.join(", ")}`);
  const order = [...ids, ...members.map((m) => m.articleId).filter((id) => !ids.includes(id))];
  await db.$transaction((tx) => orderCategory(tx, cat.id, order));
  const label = new Map(members.map((m) => [m.articleId, `${m.article.key}.${m.article.language}`]));
  return order.map((id) => label.get(id)!);
}

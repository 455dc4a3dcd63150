/**
 * `mailcase kb sync DIR`: reads a knowledge base folder, validates every file (all problems reported at once,
 * each naming the file and field; nothing is written when any file is wrong), plans the changes
 * (sync-plan.ts) and, unless it is a dry run, applies them in one transaction.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Db } from "../db/client.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { checkReferences, KbFileError, parseArticleFile, parseCategoriesFile, type ArticleFile, type CategoryDef } from "./front-matter.ts";
import { readArticleFiles, type KbFile } from "./kb-files.ts";
import { recordPublishedVersion } from "./kb-write.ts";
import { refreshSearch } from "./search-index.ts";
import { describePlan, planSync, type StoredArticle, type StoredCategory, type SyncPlan } from "./sync-plan.ts";

export interface SyncResult {
  plan: SyncPlan;
  lines: string[];
  applied: boolean;
}

async function walk(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    if (e.name.startsWith(".")) continue;
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(dir, p)));
    else if (e.isFile() && e.name.endsWith(".md")) out.push(p);
  }
  return out.sort();
}

/** Reads and validates the folder; throws KbFileError listing every problem. */
export async function readKbFolder(dir: string, portals: ReadonlySet<string>, agents: ReadonlySet<string>): Promise<{ articles: ArticleFile[]; categories: CategoryDef[]; files: Map<string, KbFile[]> }> {
  const problems: string[] = [];
  let categories: CategoryDef[] = [];
  const catFile = path.join(dir, "categories.yaml");
  const catText = await readFile(catFile, "utf8").catch((err: NodeJS.ErrnoException) => (err.code === "ENOENT" ? null : Promise.reject(err)));
  if (catText !== null) categories = parseCategoriesFile("categories.yaml", catText, problems);
  const articles: ArticleFile[] = [];
  const files = new Map<string, KbFile[]>();
  for (const file of await walk(dir)) {
    if (file.toLowerCase() === "readme.md") continue;
    const a = parseArticleFile(file, await readFile(path.join(dir, file), "utf8"), problems);
    if (a) articles.push(a);
    if (a) files.set(a.file, await readArticleFiles(dir, a.file, a.body, problems));
  }
  checkReferences(articles, categories.map((c) => c.key), portals, agents, problems);
  if (problems.length) throw new KbFileError(problems);
  return { articles, categories, files };
}

export async function syncKb(db: Db, dir: string, opts: { dryRun: boolean; now: Date }): Promise<SyncResult> {
  const portals = new Set((await db.portal.findMany({ select: { key: true } })).map((p) => p.key));
  const agentRows = await db.agent.findMany({ select: { id: true, key: true } });
  const agentId = new Map(agentRows.map((a) => [a.key, a.id]));
  const { articles, categories, files } = await readKbFolder(dir, portals, new Set(agentId.keys()));

  const plan = planSync(articles, categories, await loadStored(db), await loadStoredCategories(db), files);
  const lines = describePlan(plan);
  if (opts.dryRun || (plan.articles.length === 0 && plan.categories.length === 0)) return { plan, lines, applied: false };

  await db.$transaction(
    async (tx) => {
      // Categories first (parents before children: two passes, ids then parents).
      for (const c of plan.categories) {
        if (c.kind === "deactivate") await tx.kbCategory.update({ where: { key: c.key }, data: { active: false } });
        else await tx.kbCategory.upsert({ where: { key: c.def.key }, create: { key: c.def.key, names: c.def.names, position: c.def.position }, update: { names: c.def.names, position: c.def.position, active: true } });
      }
      const catId = new Map((await tx.kbCategory.findMany({ select: { id: true, key: true } })).map((c) => [c.key, c.id]));
      for (const c of plan.categories) if (c.kind === "upsert") await tx.kbCategory.update({ where: { key: c.def.key }, data: { parentId: c.def.parent ? catId.get(c.def.parent)! : null } });

      const touched: number[] = [];
      for (const change of plan.articles) {
        if (change.kind === "archive") {
          await tx.kbArticle.update({ where: { id: change.id }, data: { status: "ARCHIVED" } });
          continue;
        }
        const f = change.file;
        const data = {
          slug: f.slug,
          translationGroup: f.key,
          title: f.title,
          summary: f.summary,
          body: f.body,
          status: f.status,
          expiresAt: f.expiresAt,
          authorAgentId: f.author ? agentId.get(f.author)! : null,
          source: "file",
          sourceHash: change.hash,
        } satisfies Prisma.KbArticleUncheckedUpdateInput;
        const before = change.kind === "update" ? await tx.kbArticle.findUniqueOrThrow({ where: { id: change.id } }) : null;
        const row = before
          ? await tx.kbArticle.update({ where: { id: before.id }, data: { ...data, ...(f.status === "PUBLISHED" && before.status !== "PUBLISHED" ? { publishedAt: opts.now } : {}) } })
          : await tx.kbArticle.create({ data: { key: f.key, language: f.language, ...data, ...(f.status === "PUBLISHED" ? { publishedAt: opts.now } : {}) } });
        await tx.kbArticlePortal.deleteMany({ where: { articleId: row.id } });
        await tx.kbArticlePortal.createMany({ data: f.portals.map((portalKey) => ({ articleId: row.id, portalKey })) });
        await tx.kbArticleCategory.deleteMany({ where: { articleId: row.id } });
        await tx.kbArticleCategory.createMany({ data: f.categories.map((c) => ({ articleId: row.id, categoryId: catId.get(c.key)!, position: c.position })) });
        // The files follow the content just applied: exactly those the current text references.
        await tx.kbAttachment.deleteMany({ where: { articleId: row.id } });
        const own = files.get(f.file) ?? [];
        if (own.length) await tx.kbAttachment.createMany({ data: own.map((x) => ({ articleId: row.id, name: x.name, contentType: x.contentType, size: x.size, sha256: x.sha256, content: new Uint8Array(x.content) })) });
        // Every published change is kept: a new version whenever a published article's content changed.
        if (f.status === "PUBLISHED") await recordPublishedVersion(tx, row.id, "sync", opts.now);
        touched.push(row.id);
      }
      await refreshSearch(tx, touched);
    },
    { timeout: 120_000 },
  );
  return { plan, lines, applied: true };
}

async function loadStored(db: Db): Promise<StoredArticle[]> {
  const rows = await db.kbArticle.findMany({ include: { portals: true, attachments: { select: { name: true, sha256: true } }, categories: { include: { category: { select: { key: true } } } } } });
  return rows.map((r) => ({
    id: r.id,
    key: r.key,
    language: r.language,
    status: r.status,
    source: r.source,
    sourceHash: r.sourceHash,
    title: r.title,
    summary: r.summary,
    body: r.body,
    expiresAt: r.expiresAt,
    portals: r.portals.map((p) => p.portalKey),
    categories: r.categories.map((c) => ({ key: c.category.key, position: c.position })),
    attachments: r.attachments,
  }));
}

async function loadStoredCategories(db: Db): Promise<StoredCategory[]> {
  const rows = await db.kbCategory.findMany({ include: { parent: { select: { key: true } } } });
  return rows.map((r) => ({ key: r.key, parentKey: r.parent?.key ?? null, names: r.names as Record<string, string>, position: r.position, active: r.active }));
}

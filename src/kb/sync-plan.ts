/**
 * What `mailcase kb sync DIR` changes, decided from the parsed files and the stored articles (pure, so dry
 * run and apply are one decision). Idempotent: a file whose content fingerprint equals the stored one is
 * left alone; a file deleted from the folder archives its article (never deletes it: cases link to it and
 * its history stays).
 */
import { createHash } from "node:crypto";
import type { ArticleFile, CategoryDef } from "./front-matter.ts";
import type { KbArticleStatus } from "../kernel/domain-types.ts";

export interface StoredArticle {
  id: number;
  key: string;
  language: string;
  status: KbArticleStatus;
  source: string;
  sourceHash: string | null;
  title: string;
  summary: string;
  body: string;
  expiresAt: Date | null;
  portals: string[];
  categories: { key: string; position: number }[];
  /** The stored files (kb-files.ts), by name and sha256. */
  attachments?: AttachmentRef[];
}

export interface AttachmentRef {
  name: string;
  sha256: string;
}

export interface StoredCategory {
  key: string;
  parentKey: string | null;
  names: Record<string, string>;
  position: number;
  active: boolean;
}

export type ArticleChange =
  | { kind: "create"; file: ArticleFile; hash: string }
  | { kind: "update"; file: ArticleFile; hash: string; id: number; fields: string[] }
  | { kind: "archive"; id: number; key: string; language: string };

export type CategoryChange = { kind: "upsert"; def: CategoryDef; fields: string[] } | { kind: "deactivate"; key: string };

export interface SyncPlan {
  categories: CategoryChange[];
  articles: ArticleChange[];
  unchanged: number;
}

/** Fingerprint of everything a file says (the path is not part of it: moving a file changes nothing). */
export function fingerprint(a: ArticleFile, attachments: readonly AttachmentRef[] = []): string {
  const { file: _file, ...content } = a;
  // Files join the fingerprint only when there are some: articles without files keep their stored hash.
  const files = attachments.length ? { attachments: sortFiles(attachments) } : {};
  return createHash("sha256").update(JSON.stringify({ ...content, expiresAt: content.expiresAt?.toISOString() ?? null, ...files })).digest("hex");
}

const sortFiles = (f: readonly AttachmentRef[]) => [...f].map(({ name, sha256 }) => ({ name, sha256 })).sort((a, b) => a.name.localeCompare(b.name));

/** Deep equality of JSON values, key order ignored (JSONB stores object keys in its own order). */
const canonical = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(canonical) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canonical(x)])) : v;
const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

export function planSync(
  files: readonly ArticleFile[],
  categories: readonly CategoryDef[],
  stored: readonly StoredArticle[],
  storedCategories: readonly StoredCategory[],
  attachments: ReadonlyMap<string, readonly AttachmentRef[]> = new Map(),
): SyncPlan {
  const catChanges: CategoryChange[] = [];
  const storedCat = new Map(storedCategories.map((c) => [c.key, c]));
  for (const def of categories) {
    const s = storedCat.get(def.key);
    const fields = !s
      ? ["new"]
      : [
          ...(s.parentKey !== (def.parent ?? null) ? ["parent"] : []),
          ...(!same(s.names, def.names) ? ["names"] : []),
          ...(s.position !== def.position ? ["position"] : []),
          ...(!s.active ? ["active"] : []),
        ];
    if (fields.length) catChanges.push({ kind: "upsert", def, fields });
  }
  const declared = new Set(categories.map((c) => c.key));
  for (const s of storedCategories) if (s.active && !declared.has(s.key)) catChanges.push({ kind: "deactivate", key: s.key });

  const byId = new Map(stored.map((s) => [`${s.key}\u0000${s.language}`, s]));
  const changes: ArticleChange[] = [];
  let unchanged = 0;
  for (const f of files) {
    const fileRefs = attachments.get(f.file) ?? [];
    const hash = fingerprint(f, fileRefs);
    const s = byId.get(`${f.key}\u0000${f.language}`);
    if (!s) {
      changes.push({ kind: "create", file: f, hash });
      continue;
    }
    if (s.sourceHash === hash) {
      unchanged++;
      continue;
    }
    const fields = [
      ...(s.title !== f.title ? ["title"] : []),
      ...(s.summary !== f.summary ? ["summary"] : []),
      ...(s.body !== f.body ? ["body"] : []),
      ...(s.status !== f.status ? [`status ${s.status} → ${f.status}`] : []),
      ...((s.expiresAt?.getTime() ?? null) !== (f.expiresAt?.getTime() ?? null) ? ["expires"] : []),
      ...(!same([...s.portals].sort(), f.portals) ? ["portals"] : []),
      ...(!same(sortCats(s.categories), sortCats(f.categories)) ? ["categories"] : []),
      ...(s.source !== "file" ? ["source"] : []),
      ...(!same(sortFiles(s.attachments ?? []), sortFiles(fileRefs)) ? ["files"] : []),
    ];
    changes.push({ kind: "update", file: f, hash, id: s.id, fields: fields.length ? fields : ["metadata"] });
  }
  const inFiles = new Set(files.map((f) => `${f.key}\u0000${f.language}`));
  for (const s of stored) {
    if (s.source === "file" && s.status !== "ARCHIVED" && !inFiles.has(`${s.key}\u0000${s.language}`)) changes.push({ kind: "archive", id: s.id, key: s.key, language: s.language });
  }
  return { categories: catChanges, articles: changes, unchanged };
}

const sortCats = (c: readonly { key: string; position: number }[]) => [...c].sort((a, b) => a.key.localeCompare(b.key));

/** One line per change, as the CLI prints them. */
export function describePlan(plan: SyncPlan): string[] {
  const lines: string[] = [];
  for (const c of plan.categories) lines.push(c.kind === "upsert" ? `category ${c.def.key}: ${c.fields.join(", ")}` : `category ${c.key}: deactivate (not in categories.yaml)`);
  for (const a of plan.articles) {
    if (a.kind === "create") lines.push(`create ${a.file.key}.${a.file.language} (${a.file.status}) from ${a.file.file}`);
    else if (a.kind === "update") lines.push(`update ${a.file.key}.${a.file.language}: ${a.fields.join(", ")}`);
    else lines.push(`archive ${a.key}.${a.language} (file deleted)`);
  }
  return lines;
}

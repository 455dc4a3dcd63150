/**
 * The files of a knowledge base folder (`kb/` in the configuration repository), parsed and validated. Pure:
 * the caller reads the files. Every error names the file and the field.
 *
 * - `<key>.md` or `<key>.<lang>.md` (lang: en, cs, pl, zh) anywhere below the folder: one article; the key
 *   is the path without the language and extension (`billing/reset-password`). Files with the same key in
 *   several languages are translations of each other.
 * - `categories.yaml` at the top (optional): the category tree.
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { KB_LANGUAGES, type KbLanguage } from "./visibility.ts";
import type { KbArticleStatus } from "../kernel/domain-types.ts";

const Key = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "must be lower-case letters, digits, '-' or '_'");
const Language = z.enum(KB_LANGUAGES);

const CategoryRef = z.union([Key, z.object({ key: Key, position: z.number().int().min(0).max(1_000_000) }).strict()]);

export const ArticleFrontMatterSchema = z
  .object({
    title: z.string().trim().min(1, "is required").max(255),
    summary: z.string().trim().max(1000).default(""),
    status: z.enum(["draft", "in_review", "published", "archived"]).default("draft"),
    language: Language.optional(),
    /** Portals that show it when published (none: agents only). */
    portals: z.array(Key).default([]),
    /** Category keys, or { key, position } to place it within that category. */
    categories: z.array(CategoryRef).default([]),
    /** Position in every category listed without its own (ascending). */
    position: z.number().int().min(0).max(1_000_000).default(0),
    /** Hidden from every portal from this instant on (ISO 8601; a date alone means midnight UTC). */
    expires: z.union([z.date(), z.iso.datetime({ offset: true }), z.iso.date()]).optional(),
    /** Agent key of the author. */
    author: Key.optional(),
    slug: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and '-'").max(120).optional(),
  })
  .strict();

export const CategoriesFileSchema = z.array(
  z
    .object({
      key: Key,
      parent: Key.optional(),
      names: z.object({ en: z.string().min(1).max(200), cs: z.string().min(1).max(200).optional(), pl: z.string().min(1).max(200).optional(), zh: z.string().min(1).max(200).optional() }).strict(),
      position: z.number().int().min(0).default(0),
    })
    .strict(),
);
export type CategoryDef = z.infer<typeof CategoriesFileSchema>[number];

export interface ArticleFile {
  file: string;
  key: string;
  language: KbLanguage;
  slug: string;
  title: string;
  summary: string;
  body: string;
  status: KbArticleStatus;
  portals: string[];
  categories: { key: string; position: number }[];
  expiresAt: Date | null;
  author: string | null;
}

export class KbFileError extends Error {
  override name = "KbFileError";
  constructor(readonly problems: string[]) {
    super(`knowledge base files are not valid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

const FRONT = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/** Splits a file into its YAML front matter and Markdown body; null when there is no front matter. */
export function splitFrontMatter(text: string): { yaml: string; body: string } | null {
  const m = FRONT.exec(text.replace(/^\uFEFF/, ""));
  if (!m) return null;
  return { yaml: m[1] ?? "", body: text.replace(/^\uFEFF/, "").slice(m[0].length) };
}

/** A URL slug from a title: ASCII letters and digits (diacritics folded), else the key's last part. */
export function slugify(title: string, fallback: string): string {
  const s = title
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/ł/g, "l")
    .replace(/Ł/g, "L")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80)
    .replace(/-+$/, "");
  return s || fallback.split("/").pop()!.replace(/_/g, "-");
}

const FILE_NAME = /^((?:[a-z0-9][a-z0-9_-]*\/)*[a-z0-9][a-z0-9_-]*)(?:\.(en|cs|pl|zh))?\.md$/;

/** Parses one article file (`file` is its path relative to the folder, with `/`); problems are pushed. */
export function parseArticleFile(file: string, text: string, problems: string[]): ArticleFile | null {
  const name = FILE_NAME.exec(file);
  if (!name) {
    problems.push(`${file}: file name must be <key>.md or <key>.<en|cs|pl|zh>.md with lower-case letters, digits, '-' or '_'`);
    return null;
  }
  const split = splitFrontMatter(text);
  if (!split) {
    problems.push(`${file}: no front matter (the file must start with a '---' line, YAML, and a closing '---' line)`);
    return null;
  }
  let doc: unknown;
  try {
    doc = parseYaml(split.yaml) ?? {};
  } catch (err) {
    problems.push(`${file}: front matter is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
    return null;
  }
  const fm = ArticleFrontMatterSchema.safeParse(doc);
  if (!fm.success) {
    for (const i of fm.error.issues) problems.push(`${file}: ${i.path.length ? i.path.join(".") : "front matter"}: ${i.message}`);
    return null;
  }
  const fromName = name[2] as KbLanguage | undefined;
  if (fromName && fm.data.language && fromName !== fm.data.language) {
    problems.push(`${file}: language: "${fm.data.language}" contradicts the file name's ".${fromName}"`);
    return null;
  }
  if (split.body.trim() === "") {
    problems.push(`${file}: body: is empty (write the article below the front matter)`);
    return null;
  }
  const key = name[1]!;
  const expires = fm.data.expires;
  return {
    file,
    key,
    language: fm.data.language ?? fromName ?? "en",
    slug: fm.data.slug ?? slugify(fm.data.title, key),
    title: fm.data.title,
    summary: fm.data.summary,
    body: split.body.trim() + "\n",
    status: fm.data.status.toUpperCase() as KbArticleStatus,
    portals: [...new Set(fm.data.portals)].sort(),
    categories: fm.data.categories.map((c) => (typeof c === "string" ? { key: c, position: fm.data.position } : c)),
    expiresAt: expires === undefined ? null : expires instanceof Date ? expires : new Date(expires.length === 10 ? `${expires}T00:00:00Z` : expires),
    author: fm.data.author ?? null,
  };
}

/** Parses `categories.yaml`; checks parents exist and the tree has no cycle. */
export function parseCategoriesFile(file: string, text: string, problems: string[]): CategoryDef[] {
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? [];
  } catch (err) {
    problems.push(`${file}: not valid YAML: ${(err as Error).message.split("\n")[0]}`);
    return [];
  }
  const r = CategoriesFileSchema.safeParse(doc);
  if (!r.success) {
    for (const i of r.error.issues) problems.push(`${file}: ${i.path.join(".")}: ${i.message}`);
    return [];
  }
  const byKey = new Map<string, CategoryDef>();
  r.data.forEach((c, i) => {
    if (byKey.has(c.key)) problems.push(`${file}: ${i}.key: duplicate category "${c.key}"`);
    byKey.set(c.key, c);
  });
  r.data.forEach((c, i) => {
    if (c.parent !== undefined && !byKey.has(c.parent)) problems.push(`${file}: ${i}.parent: unknown category "${c.parent}"`);
    const seen = new Set<string>();
    for (let cur: CategoryDef | undefined = c; cur?.parent !== undefined; cur = byKey.get(cur.parent)) {
      if (seen.has(cur.key)) {
        problems.push(`${file}: ${i}.parent: category "${c.key}" is its own ancestor`);
        break;
      }
      seen.add(cur.key);
    }
  });
  return r.data;
}

/** Checks across files: one article per key and language, known categories, known portals and agents. */
export function checkReferences(articles: ArticleFile[], categories: readonly string[], portals: ReadonlySet<string>, agents: ReadonlySet<string>, problems: string[]): void {
  const seen = new Map<string, string>();
  const known = new Set(categories);
  for (const a of articles) {
    const id = `${a.key}.${a.language}`;
    const first = seen.get(id);
    if (first) problems.push(`${a.file}: language: "${a.language}" article with key "${a.key}" is also in ${first}`);
    else seen.set(id, a.file);
    a.categories.forEach((c, i) => {
      if (!known.has(c.key)) problems.push(`${a.file}: categories.${i}: unknown category "${c.key}" (declare it in categories.yaml)`);
    });
    a.portals.forEach((p, i) => {
      if (!portals.has(p)) problems.push(`${a.file}: portals.${i}: unknown portal "${p}"`);
    });
    if (a.author && !agents.has(a.author)) problems.push(`${a.file}: author: unknown agent "${a.author}"`);
  }
}

/**
 * Files an article references by a relative path (`![diagram](printer-setup.png)`, `[manual](files/manual.pdf)`):
 * read by `kb sync` next to the article's file, checked (allowed type by extension AND by the first bytes —
 * the same signature check as portal uploads, so a `.png` that is really HTML is refused — and a size cap),
 * stored with the article and replaced whenever the article's content is applied.
 */
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { contentMatches, sizeLabel } from "../portal/uploads.ts";
import { articleReferences } from "./markdown.ts";

export interface KbFile {
  /** Normalized path relative to the article's file (the URL part after `/files/`). */
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  content: Buffer;
}

/** Each file at most this big: articles are read on the portal, big downloads belong elsewhere. */
export const KB_FILE_MAX_BYTES = 5 * 1024 * 1024;

/** Allowed types by extension; the content must agree (contentMatches). No SVG: it can carry script. */
export const KB_FILE_TYPES: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  pdf: "application/pdf",
  txt: "text/plain",
};

export const isInlineType = (type: string): boolean => type.startsWith("image/");

/** The file's type, or why it is refused (pure: the table test checks it). */
export function checkKbFile(name: string, content: Buffer): { type: string; content: Buffer } | { problem: string } {
  const ext = path.posix.extname(name).slice(1).toLowerCase();
  const type = KB_FILE_TYPES[ext];
  if (!type) return { problem: `type ".${ext}" is not allowed (allowed: ${Object.keys(KB_FILE_TYPES).join(", ")})` };
  if (content.length > KB_FILE_MAX_BYTES) return { problem: `larger than ${sizeLabel(KB_FILE_MAX_BYTES)}` };
  if (!contentMatches(type, content)) return { problem: `content is not ${type} (the first bytes do not match ".${ext}")` };
  return { type, content };
}

/**
 * Reads the files an article references; a missing or refused one adds a problem naming the article's file
 * and the reference (and nothing of that article's files is returned).
 */
export async function readArticleFiles(dir: string, articleFile: string, body: string, problems: string[]): Promise<KbFile[]> {
  const out: KbFile[] = [];
  let ok = true;
  const folder = path.posix.dirname(articleFile);
  for (const name of articleReferences(body)) {
    const full = path.join(dir, folder, name);
    const info = await stat(full).catch(() => null);
    if (!info?.isFile()) {
      problems.push(`${articleFile}: referenced file "${name}" does not exist`);
      ok = false;
      continue;
    }
    // The size is checked before reading so a huge file is never held whole.
    const checked = info.size > KB_FILE_MAX_BYTES ? { problem: `larger than ${sizeLabel(KB_FILE_MAX_BYTES)}` } : checkKbFile(name, await readFile(full));
    if ("problem" in checked) {
      problems.push(`${articleFile}: referenced file "${name}": ${checked.problem}`);
      ok = false;
      continue;
    }
    const content = checked.content;
    out.push({ name, contentType: checked.type, size: content.length, sha256: createHash("sha256").update(content).digest("hex"), content });
  }
  return ok ? out : [];
}

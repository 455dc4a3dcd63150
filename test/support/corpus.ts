/**
 * The shared corpus of real third-party mail (../shared/corpus, or MAILCASE_CORPUS). It is never copied
 * into the repository (licences vary); tests that need it skip, saying so, where it is absent.
 */
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";

export const CORPUS_DIR = process.env.MAILCASE_CORPUS ?? path.resolve(import.meta.dirname, "../../../shared/corpus");
export const corpusPresent = existsSync(CORPUS_DIR);

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full)));
    else out.push(full);
  }
  return out;
}

/**
 * Every complete raw message of the corpus: .eml and .box files, plus RT's extension-less mail fixtures.
 * (The reply-parser sets hold bare bodies, not messages: they feed the trimming tests instead.)
 */
export async function corpusMessages(): Promise<string[]> {
  const files = await walk(CORPUS_DIR);
  return files
    .filter((f) => {
      const rel = path.relative(CORPUS_DIR, f);
      if (/\.(eml|box)$/i.test(f)) return true;
      return rel.startsWith(path.join("request-tracker", "t", "data")) && !/\.(t|md)$|README|\/dir$/.test(rel);
    })
    .sort();
}

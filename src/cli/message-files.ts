import { readdir, stat } from "node:fs/promises";
import path from "node:path";

/** Files to replay: .eml files given directly or found recursively in folders (Maildir files too). */
export async function collectMessageFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string): Promise<void> => {
    const s = await stat(p);
    if (s.isFile()) return void out.push(p);
    for (const entry of (await readdir(p, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(p, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (/\.(eml|msg|txt)$/i.test(entry.name) || /(^|\/)(cur|new)$/.test(p)) out.push(full);
    }
  };
  for (const p of paths) await walk(p);
  return out;
}

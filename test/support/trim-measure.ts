/**
 * Reply trimming measured against discourse/email_reply_trimmer's expected output (test/emails → test/trimmed).
 * Comparison rule: both sides with line endings normalised, trailing whitespace of each line removed and
 * surrounding blank lines trimmed; otherwise exact.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { trimReply } from "../../src/parsing/trim-reply.ts";
import { CORPUS_DIR } from "./corpus.ts";

const norm = (s: string) =>
  s
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((l) => l.replace(/\s+$/, ""))
    .join("\n")
    .trim();

export async function measureTrimming(): Promise<{ total: number; matched: number; misses: string[] }> {
  const base = path.join(CORPUS_DIR, "discourse-email_reply_trimmer", "test");
  const names = (await readdir(path.join(base, "emails"))).filter((n) => n.endsWith(".txt")).sort();
  const misses: string[] = [];
  let matched = 0;
  for (const name of names) {
    const input = await readFile(path.join(base, "emails", name), "utf8");
    const want = await readFile(path.join(base, "trimmed", name), "utf8").catch(() => null);
    if (want === null) continue;
    const got = trimReply(input).body;
    if (norm(got) === norm(want)) matched++;
    else misses.push(name);
  }
  return { total: names.length, matched, misses };
}

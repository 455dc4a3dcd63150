/**
 * Files of knowledge base articles, the pure parts: which references of an article's Markdown are its files,
 * how rendering rewrites them (and drops what would point nowhere or be unsafe), which files sync accepts
 * (type by extension and by first bytes, size cap), and how the sync plan notices a changed file.
 */
import { describe, expect, it } from "vitest";
import { checkKbFile, KB_FILE_MAX_BYTES } from "../../src/kb/kb-files.ts";
import { articleReferences, relativeRefName, renderMarkdown } from "../../src/kb/markdown.ts";
import { planSync, type StoredArticle } from "../../src/kb/sync-plan.ts";
import type { ArticleFile } from "../../src/kb/front-matter.ts";

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const files = { base: "/portal/kb/articles/7/files/", names: new Set(["printer-setup.png", "files/manual.pdf", "my photo.jpg"]) };

describe("relative references", () => {
  it.each([
    ["printer-setup.png", "printer-setup.png"],
    ["files/manual.pdf", "files/manual.pdf"],
    ["./files/../files/manual.pdf#page=2", "files/manual.pdf"],
    ["my%20photo.jpg", "my photo.jpg"],
    ["https://cdn.test/a.png", null],
    ["javascript:alert(1)", null],
    ["JaVaScRiPt:alert(1)", null],
    ["data:image/png;base64,AAAA", null],
    ["/portal/kb", null],
    ["//evil.test/x.png", null],
    ["#top", null],
    ["../secret.png", null],
    ["files/../../secret.png", null],
    ["a\\b.png", null],
    ["%E0%A4%A.png", null],
  ])("%s → %s", (url, name) => {
    expect(relativeRefName(url)).toBe(name);
  });

  it("an article's files are its relative image and link targets with an extension, raw HTML included", () => {
    const md = "![d](printer-setup.png) [m](files/manual.pdf) [web](https://x.test/a.pdf) <img src=x> <img src=\"raw.gif\"> [again](printer-setup.png) [bad](javascript:x.png)";
    expect(articleReferences(md)).toEqual(["files/manual.pdf", "printer-setup.png", "raw.gif"]);
  });
});

describe("rendering an article's files", () => {
  it.each([
    ["![d](printer-setup.png)", '<img src="/portal/kb/articles/7/files/printer-setup.png" alt="d" />'],
    ["[m](files/manual.pdf)", '<a href="/portal/kb/articles/7/files/files/manual.pdf" rel="noopener noreferrer nofollow">m</a>'],
    ["![p](my%20photo.jpg)", '<img src="/portal/kb/articles/7/files/my%20photo.jpg" alt="p" />'],
    // Not a file of this article: dropped, never left as a relative URL.
    ["![u](unknown.png)", '<img alt="u" />'],
    ["[u](unknown.pdf)", '<a rel="noopener noreferrer nofollow">u</a>'],
    ["![h](http://tracker.test/p.gif)", '<img alt="h" />'],
    ["![s](https://cdn.test/ok.png)", '<img src="https://cdn.test/ok.png" alt="s" />'],
    ['<img src="javascript:alert(1)">', "<img />"],
    ["[x](javascript:alert(1))", '<a rel="noopener noreferrer nofollow">x</a>'],
  ])("%s", (md, html) => {
    expect(renderMarkdown(md, files)).toContain(html);
  });

  it("without stored files, relative references are dropped", () => {
    expect(renderMarkdown("![d](printer-setup.png)")).toContain('<img alt="d" />');
  });
});

describe("which files sync accepts", () => {
  const pdf = Buffer.from("%PDF-1.7\n");
  const webp = Buffer.concat([Buffer.from("RIFF"), Buffer.from([0, 0, 0, 0]), Buffer.from("WEBPVP8 ")]);
  it.each([
    ["a.png", PNG, "image/png"],
    ["a.PNG", PNG, "image/png"],
    ["a.pdf", pdf, "application/pdf"],
    ["a.jpg", Buffer.from([0xff, 0xd8, 0xff, 0xe0]), "image/jpeg"],
    ["a.gif", Buffer.from("GIF89a"), "image/gif"],
    ["a.webp", webp, "image/webp"],
    ["notes.txt", Buffer.from("plain words"), "text/plain"],
  ])("%s is accepted", (name, content, type) => {
    expect(checkKbFile(name, content)).toEqual({ type, content });
  });

  it.each([
    ["fake.png", Buffer.from("<html><script>alert(1)</script>"), 'content is not image/png (the first bytes do not match ".png")'],
    ["fake.pdf", PNG, 'content is not application/pdf (the first bytes do not match ".pdf")'],
    ["bin.txt", Buffer.from([0x4d, 0x5a, 0, 0]), 'content is not text/plain (the first bytes do not match ".txt")'],
    ["logo.svg", Buffer.from("<svg/>"), 'type ".svg" is not allowed (allowed: png, jpg, jpeg, gif, webp, pdf, txt)'],
    ["page.html", Buffer.from("<p>"), 'type ".html" is not allowed (allowed: png, jpg, jpeg, gif, webp, pdf, txt)'],
    ["big.pdf", Buffer.concat([pdf, Buffer.alloc(KB_FILE_MAX_BYTES)]), "larger than 5 MB"],
  ])("%s is refused", (name, content, problem) => {
    expect(checkKbFile(name, content)).toEqual({ problem });
  });
});

describe("the sync plan and files", () => {
  const file: ArticleFile = { file: "guide.md", key: "guide", language: "en", slug: "guide", title: "Guide", summary: "", body: "![d](a.png)", status: "PUBLISHED", portals: ["main"], categories: [], expiresAt: null, author: null };
  const refs = new Map([["guide.md", [{ name: "a.png", sha256: "111" }]]]);
  const stored = (hash: string, sha: string): StoredArticle => ({ id: 1, key: "guide", language: "en", status: "PUBLISHED", source: "file", sourceHash: hash, title: "Guide", summary: "", body: "![d](a.png)", expiresAt: null, portals: ["main"], categories: [], attachments: [{ name: "a.png", sha256: sha }] });

  it("same files: nothing to do; a changed file: an update naming the files", () => {
    const first = planSync([file], [], [], [], refs);
    const hash = first.articles[0]!.kind === "create" ? first.articles[0]!.hash : "";
    expect(planSync([file], [], [stored(hash, "111")], [], refs)).toMatchObject({ articles: [], unchanged: 1 });
    const changed = new Map([["guide.md", [{ name: "a.png", sha256: "222" }]]]);
    expect(planSync([file], [], [stored(hash, "111")], [], changed).articles).toMatchObject([{ kind: "update", fields: ["files"] }]);
  });
});

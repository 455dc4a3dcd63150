/**
 * Files of knowledge base articles end to end: `kb sync` of a temporary folder stores an article's image and
 * PDF (PostgreSQL), the article page links them, the portal serves them over HTTP with their stored type and
 * safe headers — and only while the article itself is visible: a draft's or an expired article's file answers
 * exactly like a file that never existed. A `.png` that is really HTML is refused at sync, dry run included.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webOptions } from "../../src/app/runtime.ts";
import { KbFileError } from "../../src/kb/front-matter.ts";
import { syncKb } from "../../src/kb/sync.service.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { labConfig, rand, startApp, testEnv, type App } from "../support/harness.ts";
import { Browser } from "../support/portal.ts";

const id = rand();
let app: App;
let web: FastifyInstance;
let dir: string;
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(`png-body-${id}`)]);
const PDF = Buffer.from(`%PDF-1.4\n% manual ${id}\n%%EOF\n`);
const articleIds = new Map<string, number>();

const article = (front: string, body: string) => `---\n${front}\n---\n\n${body}\n`;

async function writeFolder(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), content);
  }
}

beforeAll(async () => {
  const cfg = labConfig(id, (doc) => {
    doc.portals = [{ key: "main", path: "/portal", name: "Main portal" }];
    doc.kb = { portals: [{ portal: "main", public: true, fallbackToEn: false }] };
  });
  app = await startApp(cfg, { env: testEnv(), roles: [] });
  dir = await mkdtemp(path.join(os.tmpdir(), "kb-files-"));
  await writeFolder(dir, {
    "printer-guide.md": article("title: Printer guide\nstatus: published\nportals: [main]", "![diagram](printer-setup.png)\n\nRead the [manual](files/manual.pdf)."),
    "printer-setup.png": PNG,
    "files/manual.pdf": PDF,
    "upcoming.md": article("title: Upcoming feature\nstatus: draft\nportals: [main]", "![secret](upcoming.png)"),
    "upcoming.png": PNG,
    "old-offer.md": article("title: Old offer\nstatus: published\nportals: [main]\nexpires: 2020-01-01", "![banner](banner.png)"),
    "banner.png": PNG,
  });
  const r = await syncKb(app.rt.deps.db, dir, { dryRun: false, now: new Date() });
  expect(r.applied).toBe(true);
  for (const a of await app.rt.deps.db.kbArticle.findMany({ where: { status: { not: "ARCHIVED" } } })) articleIds.set(a.key, a.id);
  web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, { publicUrl: "http://127.0.0.1:8080", pageRatePerMinute: 1_000_000, portalCacheMs: 0 }));
});
afterAll(async () => {
  await web?.close();
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const fileUrl = (key: string, name: string) => `/portal/kb/articles/${articleIds.get(key)}/files/${name}`;

describe("an article's files on the portal", () => {
  it("the article page shows the image and links the manual at their portal URLs", async () => {
    const page = await new Browser(web).get(`/portal/kb/articles/${articleIds.get("printer-guide")}?lang=en`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`<img src="${fileUrl("printer-guide", "printer-setup.png")}" alt="diagram" />`);
    expect(page.body).toContain(`<a href="${fileUrl("printer-guide", "files/manual.pdf")}"`);
  });

  it("serves the image inline and the PDF as a download, byte for byte, with nosniff and a cache header", async () => {
    const b = new Browser(web);
    const img = await b.get(fileUrl("printer-guide", "printer-setup.png"));
    expect(img.statusCode).toBe(200);
    expect(img.rawPayload.equals(PNG)).toBe(true);
    expect(img.headers["content-type"]).toBe("image/png");
    expect(img.headers["x-content-type-options"]).toBe("nosniff");
    expect(img.headers["content-disposition"]).toMatch(/^inline; filename="printer-setup.png"/);
    expect(img.headers["cache-control"]).toBe("private, max-age=300");
    const pdf = await b.get(fileUrl("printer-guide", "files/manual.pdf"));
    expect(pdf.statusCode).toBe(200);
    expect(pdf.rawPayload.equals(PDF)).toBe(true);
    expect(pdf.headers["content-type"]).toBe("application/pdf");
    expect(pdf.headers["content-disposition"]).toMatch(/^attachment; filename="manual.pdf"/);
  });

  it("a draft's image and an expired article's image answer the same 404 as a file that never existed", async () => {
    const b = new Browser(web);
    const missingUrl = fileUrl("printer-guide", "nothing.png");
    const missing = await b.get(missingUrl);
    expect(missing.statusCode).toBe(404);
    // The page repeats its own URL (language links): compared without it.
    const page = (body: string, url: string) => body.replaceAll(url, "URL");
    for (const url of [fileUrl("upcoming", "upcoming.png"), fileUrl("old-offer", "banner.png")]) {
      const r = await b.get(url);
      expect(r.statusCode, url).toBe(404);
      expect(page(r.body, url)).toBe(page(missing.body, missingUrl));
      expect(r.headers["content-type"]).toBe(missing.headers["content-type"]);
    }
    // The files are stored: only visibility keeps them from the reader.
    expect(await app.rt.deps.db.kbAttachment.count({ where: { articleId: { in: [articleIds.get("upcoming")!, articleIds.get("old-offer")!] } } })).toBe(2);
  });

  it("a path leaving the article's folder is a 404, not another file", async () => {
    const r = await new Browser(web).get(`${fileUrl("printer-guide", "files")}/..%2F..%2Fupcoming.png`);
    expect(r.statusCode).toBe(404);
  });
});

describe("kb sync of files", () => {
  it("is idempotent, and a changed image updates the article (its files follow its current version)", async () => {
    const again = await syncKb(app.rt.deps.db, dir, { dryRun: false, now: new Date() });
    expect(again.plan.articles).toEqual([]);
    const changed = Buffer.concat([PNG, Buffer.from("v2")]);
    await writeFile(path.join(dir, "printer-setup.png"), changed);
    const r = await syncKb(app.rt.deps.db, dir, { dryRun: false, now: new Date() });
    expect(r.lines).toEqual(["update printer-guide.en: files"]);
    const img = await new Browser(web).get(fileUrl("printer-guide", "printer-setup.png"));
    expect(img.rawPayload.equals(changed)).toBe(true);
    await writeFile(path.join(dir, "printer-setup.png"), PNG);
  });

  it("refuses a .png that is really HTML and a missing file, naming the article and the reference, dry run included", async () => {
    const bad = await mkdtemp(path.join(os.tmpdir(), "kb-files-bad-"));
    try {
      await writeFolder(bad, {
        "fake.md": article("title: Fake\nstatus: published\nportals: [main]", "![x](evil.png) and [gone](files/gone.pdf)"),
        "evil.png": "<html><script>alert(1)</script></html>",
      });
      for (const dryRun of [true, false]) {
        const err = await syncKb(app.rt.deps.db, bad, { dryRun, now: new Date() }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(KbFileError);
        expect((err as KbFileError).problems).toEqual([
          'fake.md: referenced file "evil.png": content is not image/png (the first bytes do not match ".png")',
          'fake.md: referenced file "files/gone.pdf" does not exist',
        ]);
      }
      expect(await app.rt.deps.db.kbArticle.count({ where: { key: "fake" } })).toBe(0);
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});

/**
 * `mailcase kb sync DIR` and the operator commands, through the real CLI binary against PostgreSQL: dry run
 * by default, idempotent apply, edits recorded as versions, a deleted file archives its article, invalid files
 * name the file and field and write nothing; list, show, publish, archive and order.
 */
import { execFile } from "node:child_process";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archiveArticle, listArticles, orderArticles, publishArticle, resolveArticle, showArticle } from "../../src/kb/kb-admin.service.ts";
import { syncKb } from "../../src/kb/sync.service.ts";
import { TEST_DATABASE_URL } from "../support/global-setup.ts";
import { labConfig, rand, startApp, type App } from "../support/harness.ts";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
const cli = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
  try {
    const r = await run(process.execPath, [path.join(ROOT, "bin/mailcase.mjs"), "kb", ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: "silent", MAILCASE_LAB_MODE: "1" } });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout, err: err.stderr };
  }
};

const id = rand();
let app: App;
let dir: string;
/** The same code path as the CLI without a process start per call (each start costs seconds on a loaded machine). */
const sync = async (apply: boolean) => {
  const r = await syncKb(app.rt.deps.db, dir, { dryRun: !apply, now: new Date() });
  return r.lines.join("\n") + `\n${r.applied ? "applied" : "dry run"} ${r.plan.articles.length + r.plan.categories.length} changes, ${r.plan.unchanged} unchanged`;
};

const CATEGORIES = `
- key: billing
  names: { en: Billing, cs: Fakturace }
  position: 1
- key: invoices
  parent: billing
  names: { en: Invoices, cs: Faktury }
- key: setup
  names: { en: Setup, cs: Nastavení }
  position: 2
`;
const article = (fm: string, body = "Body text.") => `---\n${fm.trim()}\n---\n\n${body}\n`;

beforeAll(async () => {
  app = await startApp(
    labConfig(id, (doc) => {
      doc.portals = [
        { key: "main", path: "/portal", name: "Main" },
        { key: "partners", path: "/partners", name: "Partners" },
      ];
      doc.kb = { portals: [{ portal: "main", public: true, fallbackToEn: true }] };
    }),
    { roles: [] },
  );
  dir = await mkdtemp(path.join(tmpdir(), "kb-sync-"));
  await mkdir(path.join(dir, "billing"));
  await writeFile(path.join(dir, "categories.yaml"), CATEGORIES);
  await writeFile(path.join(dir, "billing/download-invoice.md"), article("title: Download an invoice\nstatus: published\nportals: [main]\ncategories: [invoices]\nposition: 20\nauthor: alice", "Open **Billing** and press *Download*."));
  await writeFile(path.join(dir, "billing/download-invoice.cs.md"), article("title: Stažení faktury\nstatus: published\nportals: [main]\ncategories: [invoices]", "Otevřete **Fakturace** a stiskněte *Stáhnout*."));
  await writeFile(path.join(dir, "billing/change-address.md"), article("title: Change the billing address\nstatus: published\nportals: [main]\ncategories: [{ key: invoices, position: 10 }]"));
  await writeFile(path.join(dir, "vpn.md"), article("title: Set up the VPN\nstatus: draft\ncategories: [setup]"));
});
afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("mailcase kb sync", () => {
  it("shows what would change and writes nothing by default (and with --dry-run)", async () => {
    for (const args of [["sync", dir], ["sync", dir, "--dry-run"]]) {
      // Through the binary: the default must be the dry run.
      const r = await cli(...args);
      expect(r.code).toBe(0);
      expect(r.out).toContain("category billing: new");
      expect(r.out).toContain("create billing/download-invoice.en (PUBLISHED) from billing/download-invoice.md");
      expect(r.out).toContain("create billing/download-invoice.cs (PUBLISHED)");
      expect(r.out).toContain("create vpn.en (DRAFT)");
      expect(r.out).toMatch(/dry run: 7 changes/);
    }
    expect(await app.rt.deps.db.kbArticle.count()).toBe(0);
    expect(await app.rt.deps.db.kbCategory.count()).toBe(0);
  });

  it("applies, and a second apply changes nothing", async () => {
    expect(await sync(true)).toContain("applied 7 changes");
    const db = app.rt.deps.db;
    const invoice = await db.kbArticle.findUniqueOrThrow({ where: { key_language: { key: "billing/download-invoice", language: "cs" } }, include: { portals: true, categories: { include: { category: true } }, versions: true } });
    expect(invoice).toMatchObject({ title: "Stažení faktury", status: "PUBLISHED", translationGroup: "billing/download-invoice", slug: "stazeni-faktury", version: 1 });
    expect(invoice.portals.map((p) => p.portalKey)).toEqual(["main"]);
    expect(invoice.categories.map((c) => c.category.key)).toEqual(["invoices"]);
    expect(invoice.versions).toHaveLength(1);
    const cats = await db.kbCategory.findMany({ include: { parent: true }, orderBy: { key: "asc" } });
    expect(cats.map((c) => [c.key, c.parent?.key ?? null])).toEqual([["billing", null], ["invoices", "billing"], ["setup", null]]);
    const vpn = await db.kbArticle.findUniqueOrThrow({ where: { key_language: { key: "vpn", language: "en" } } });
    expect(vpn.status).toBe("DRAFT");
    expect(vpn.version).toBe(0);

    const again = await cli("sync", dir, "--apply");
    expect(again.out).toContain("nothing to change (4 articles up to date)");
    expect(await db.kbArticleVersion.count()).toBe(3);
  });

  it("an edited published file becomes a new version; the old text stays in the history", async () => {
    await writeFile(path.join(dir, "billing/download-invoice.md"), article("title: Download an invoice\nstatus: published\nportals: [main, partners]\ncategories: [invoices]\nposition: 20\nauthor: alice", "Open **Billing**, pick the month and press *Download*."));
    expect(await sync(false)).toContain("update billing/download-invoice.en: body, portals");
    await sync(true);
    const a = await app.rt.deps.db.kbArticle.findUniqueOrThrow({ where: { key_language: { key: "billing/download-invoice", language: "en" } }, include: { versions: { orderBy: { version: "asc" } } } });
    expect(a.version).toBe(2);
    expect(a.versions.map((v) => [v.version, v.body.includes("pick the month"), v.portals])).toEqual([
      [1, false, ["main"]],
      [2, true, ["main", "partners"]],
    ]);
  });

  it("a deleted file archives its article, never deletes it", async () => {
    await rm(path.join(dir, "vpn.md"));
    expect(await sync(true)).toContain("archive vpn.en (file deleted)");
    expect((await app.rt.deps.db.kbArticle.findUniqueOrThrow({ where: { key_language: { key: "vpn", language: "en" } } })).status).toBe("ARCHIVED");
    expect(await sync(true)).toContain(" 0 changes, 3 unchanged");
  });

  it("refuses invalid files with errors naming file and field, and writes nothing", async () => {
    const bad = await mkdtemp(path.join(tmpdir(), "kb-bad-"));
    try {
      await writeFile(path.join(bad, "categories.yaml"), "- key: billing\n  names: { en: Billing }\n- key: loop\n  parent: nowhere\n  names: { en: Loop }\n");
      await writeFile(path.join(bad, "no-title.md"), article("status: published"));
      await writeFile(path.join(bad, "bad-status.md"), article("title: X\nstatus: live"));
      await writeFile(path.join(bad, "bad-portal.md"), article("title: X\nportals: [nowhere]\ncategories: [missing]"));
      await writeFile(path.join(bad, "bad-date.md"), article("title: X\nexpires: next tuesday"));
      await writeFile(path.join(bad, "Bad Name.md"), article("title: X"));
      await writeFile(path.join(bad, "no-front.md"), "# Just markdown\n");
      await writeFile(path.join(bad, "clash.cs.md"), article("title: X\nlanguage: pl"));
      const r = await cli("sync", bad, "--apply");
      expect(r.code).not.toBe(0);
      for (const expected of [
        "categories.yaml: 1.parent: unknown category \"nowhere\"",
        "no-title.md: title:",
        "bad-status.md: status:",
        "bad-portal.md: portals.0: unknown portal \"nowhere\"",
        "bad-portal.md: categories.0: unknown category \"missing\"",
        "bad-date.md: expires:",
        "Bad Name.md: file name must be",
        "no-front.md: no front matter",
        "clash.cs.md: language: \"pl\" contradicts",
      ])
        expect(r.err).toContain(expected);
      expect(await app.rt.deps.db.kbArticle.count({ where: { key: { in: ["no-title", "bad-status", "bad-portal", "bad-date"] } } })).toBe(0);
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});

describe("mailcase kb list|show|publish|archive|order", () => {
  it("lists with filters and shows an article with its history", async () => {
    const list = await cli("list", "--status", "published", "--language", "en");
    expect(list.out).toContain("billing/download-invoice.en");
    expect(list.out).toContain("billing/change-address.en");
    expect(list.out).not.toContain(".cs");
    expect(list.out).not.toContain("vpn.en");
    const show = await showArticle(app.rt.deps.db, await resolveArticle(app.rt.deps.db, "billing/download-invoice.en"));
    expect(show.title).toBe("Download an invoice");
    expect(show.portals.map((p) => p.portalKey).sort()).toEqual(["main", "partners"]);
    expect(show.versions.map((v) => [v.version, v.publishedBy])).toEqual([[1, "sync"], [2, "sync"]]);
    expect(show.author?.key).toBe("alice");
    await expect(resolveArticle(app.rt.deps.db, "billing/download-invoice")).rejects.toThrow("add the language");
  });

  it("publishes to named portals (a version), archives, and refuses unknown portals", async () => {
    const db = app.rt.deps.db;
    const vpnId = await resolveArticle(db, "vpn.en");
    await expect(publishArticle(db, vpnId, ["nowhere"], "cli", new Date())).rejects.toThrow('unknown portal "nowhere"');
    await publishArticle(db, vpnId, ["partners"], "cli", new Date());
    const vpn = await app.rt.deps.db.kbArticle.findUniqueOrThrow({ where: { key_language: { key: "vpn", language: "en" } }, include: { portals: true, versions: true } });
    expect(vpn.status).toBe("PUBLISHED");
    expect(vpn.portals.map((x) => x.portalKey)).toEqual(["partners"]);
    expect(vpn.versions.map((v) => v.publishedBy)).toEqual(["cli"]);
    await archiveArticle(db, vpn.id, "cli", new Date());
    expect((await app.rt.deps.db.kbArticle.findUniqueOrThrow({ where: { id: vpn.id } })).status).toBe("ARCHIVED");
  });

  it("orders a category's articles", async () => {
    const before = await listArticles(app.rt.deps.db, { category: "invoices" });
    expect(before.map((a) => [a.key, a.language, a.categories[0]!.position])).toEqual([["billing/change-address", "en", 10], ["billing/download-invoice", "cs", 0], ["billing/download-invoice", "en", 20]]);
    expect(await orderArticles(app.rt.deps.db, "invoices", ["billing/download-invoice.en", "billing/change-address.en"])).toEqual(["billing/download-invoice.en", "billing/change-address.en", "billing/download-invoice.cs"]);
    const rows = await app.rt.deps.db.kbArticleCategory.findMany({ where: { category: { key: "invoices" } }, orderBy: { position: "asc" }, include: { article: true } });
    expect(rows.map((r) => `${r.article.key}.${r.article.language}`)).toEqual(["billing/download-invoice.en", "billing/change-address.en", "billing/download-invoice.cs"]);
    await expect(orderArticles(app.rt.deps.db, "invoices", ["vpn.en"])).rejects.toThrow('not in category "invoices"');
  });
});

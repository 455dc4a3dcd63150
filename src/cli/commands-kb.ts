/**
 * `mailcase kb …`: the knowledge base for operators. Files are the source of truth for most articles
 * (`kb sync`); the other commands inspect and act on single articles.
 */
import { z } from "zod";
import { suggestionStats } from "../kb/suggestion-events.ts";
import { InvalidArgumentError, type Command } from "commander";
import { KB_ARTICLE_STATUSES, type KbArticleStatus } from "../kernel/domain-types.ts";
import { archiveArticle, listArticles, orderArticles, publishArticle, resolveArticle, showArticle } from "../kb/kb-admin.service.ts";
import { syncKb } from "../kb/sync.service.ts";
import { withRuntime } from "./cli-runtime.ts";

const status = (v: string): KbArticleStatus => {
  const s = v.toUpperCase().replace(/-/g, "_");
  if (!(KB_ARTICLE_STATUSES as readonly string[]).includes(s)) throw new InvalidArgumentError(`expected one of ${KB_ARTICLE_STATUSES.join(", ")}`);
  return s as KbArticleStatus;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerKbCommands(program: Command): void {
  const kb = program.command("kb").description("knowledge base articles");
  kb.command("sync")
    .argument("<dir>", "folder of Markdown files with front matter (and categories.yaml)")
    .description("validate the folder and show what would change; --apply writes it (idempotent, deleted files archive their article)")
    .option("--dry-run", "show what would change, write nothing (the default)")
    .option("--apply", "write the changes")
    .action(async (dir: string, opts: { dryRun?: boolean; apply?: boolean }) => {
      if (opts.dryRun && opts.apply) throw new Error("--dry-run and --apply exclude each other");
      const dryRun = !opts.apply;
      const r = await withRuntime((rt) => syncKb(rt.deps.db, dir, { dryRun, now: rt.deps.clock.now() }));
      for (const line of r.lines) console.log(line);
      const n = r.plan.articles.length + r.plan.categories.length;
      console.log(n === 0 ? `nothing to change (${r.plan.unchanged} articles up to date)` : dryRun ? `dry run: ${n} changes (${r.plan.unchanged} unchanged); run with --apply to write them` : `applied ${n} changes (${r.plan.unchanged} unchanged)`);
    });
  kb.command("list")
    .description("articles, with status, languages and portals")
    .option("--status <status>", "DRAFT, IN_REVIEW, PUBLISHED or ARCHIVED", status)
    .option("--language <lang>")
    .option("--portal <key>")
    .option("--category <key>")
    .action(async (opts: { status?: KbArticleStatus; language?: string; portal?: string; category?: string }) => {
      const rows = await withRuntime((rt) => listArticles(rt.deps.db, opts));
      for (const a of rows) {
        const cats = a.categories.map((c) => `${c.category.key}#${c.position}`).join(",") || "-";
        const portals = a.portals.map((p) => p.portalKey).join(",") || "-";
        const expires = a.expiresAt ? ` expires ${a.expiresAt.toISOString()}` : "";
        console.log(`${String(a.id).padStart(5)}  ${`${a.key}.${a.language}`.padEnd(36)} ${a.status.padEnd(9)} portals=${portals} categories=${cats}${expires}  ${a.title}`);
      }
      if (rows.length === 0) console.log("no articles");
    });
  kb.command("show")
    .argument("<article>", "id, key.lang or key")
    .description("an article with its portals, categories, related cases and version history")
    .action(async (ref: string) => {
      await withRuntime(async (rt) => {
        const a = await showArticle(rt.deps.db, await resolveArticle(rt.deps.db, ref));
        console.log(`#${a.id} ${a.key}.${a.language}  ${a.status}  v${a.version}`);
        console.log(`title:      ${a.title}`);
        if (a.summary) console.log(`summary:    ${a.summary}`);
        console.log(`portals:    ${a.portals.map((p) => p.portalKey).join(", ") || "(agents only)"}`);
        console.log(`categories: ${a.categories.map((c) => `${c.category.key} (position ${c.position})`).join(", ") || "-"}`);
        console.log(`expires:    ${a.expiresAt?.toISOString() ?? "never"}`);
        console.log(`author:     ${a.author?.key ?? "-"}   reviewer: ${a.reviewer?.key ?? "-"}   source: ${a.source}`);
        console.log(`helpful:    ${a.helpfulCount} yes, ${a.unhelpfulCount} no`);
        if (a.cases.length) console.log(`cases:      ${a.cases.map((c) => `${c.case.number} ${c.case.subject}`).join("; ")}`);
        if (a.rejectedReason) console.log(`rejected:   ${a.rejectedReason}`);
        for (const v of a.versions) console.log(`version ${v.version}: ${v.publishedAt.toISOString()} by ${v.publishedBy} — ${v.title}`);
        for (const e of a.events) console.log(`${e.createdAt.toISOString()} ${e.type} ${JSON.stringify(e.data)}`);
        console.log("");
        console.log(a.body);
      });
    });
  kb.command("publish")
    .argument("<article>", "id, key.lang or key")
    .option("--portal <key>", "portal that shows it (repeat; replaces the list)", collect)
    .description("publish an article (records a version)")
    .action(async (ref: string, opts: { portal?: string[] }) => {
      await withRuntime(async (rt) => {
        const id = await resolveArticle(rt.deps.db, ref);
        await publishArticle(rt.deps.db, id, opts.portal, "cli", rt.deps.clock.now());
        console.log(`published ${ref}`);
      });
    });
  kb.command("archive")
    .argument("<article>", "id, key.lang or key")
    .description("archive an article (it leaves every portal; kept with its history)")
    .action(async (ref: string) => {
      await withRuntime(async (rt) => {
        await archiveArticle(rt.deps.db, await resolveArticle(rt.deps.db, ref), "cli", rt.deps.clock.now());
        console.log(`archived ${ref}`);
      });
    });
  kb.command("stats")
    .option("--days <n>", "visits of the last N days", "30")
    .description("knowledge base suggestions on new-case forms: visits shown, opened, submitted, deflected")
    .action(async (opts: { days: string }) => {
      const days = z.coerce.number().int().min(1).max(3650).parse(opts.days);
      const rows = await withRuntime((rt) => {
        const now = rt.deps.clock.now();
        return suggestionStats(rt.deps.db, now, new Date(now.getTime() - days * 86_400_000));
      });
      console.log(`portal           shown  opened  submitted  deflected   (last ${days} days; deflected: opened a suggestion, no case within 30 min)`);
      for (const s of rows) console.log(`${s.portalKey.padEnd(16)} ${String(s.visitsShown).padStart(5)}  ${String(s.visitsOpened).padStart(6)}  ${String(s.visitsSubmitted).padStart(9)}  ${String(s.deflections).padStart(9)}`);
      if (rows.length === 0) console.log("no suggestion events");
    });
  kb.command("order")
    .argument("<category>", "category key")
    .argument("<articles...>", "articles to put first, in this order")
    .description("order the articles of a category")
    .action(async (category: string, refs: string[]) => {
      const order = await withRuntime((rt) => orderArticles(rt.deps.db, category, refs));
      console.log(`${category}: ${order.join(", ")}`);
    });
}

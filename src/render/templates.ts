/**
 * Handlebars templates in /templates/<locale>/<name>.{subject,text,html}.hbs, compiled once.
 * Text parts compile with noEscape (they are not HTML); HTML parts escape everything, so no markup from a
 * customer's mail can reach an agent's mail client unescaped. The recipient's locale is used when a
 * template exists for it, else English. Locales are matched loosely ("cs-CZ", "pl_PL", "zh-Hans", "EN",
 * "cs_CZ.UTF-8"): the full tag if a directory has it, else its base language, else en.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";

export type TemplateName =
  | "notice"
  | "refused"
  | "ack"
  | "new-case"
  | "update"
  | "reply"
  | "sla-escalation"
  | "sign-in"
  | "new-sign-in"
  | "follow-up"
  | "resolution"
  | "agent-reminder"
  | "approval"
  | "web-form-confirm"
  | "kb-review";
type Part = "subject" | "text" | "html";

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

export const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../templates");

export class TemplateRenderer {
  private readonly compiled = new Map<string, HandlebarsTemplateDelegate>();
  /** Locale directories found (lower-cased, "_" as "-"), e.g. "en", "cs", "zh". */
  readonly locales: ReadonlySet<string>;

  constructor(private readonly dir: string = TEMPLATES_DIR) {
    const hb = Handlebars.create();
    hb.registerHelper("indent", (text: unknown) =>
      String(text ?? "")
        .split("\n")
        .map((l) => `> ${l}`)
        .join("\n"),
    );
    hb.registerHelper("paragraphs", (text: unknown) =>
      new Handlebars.SafeString(
        String(text ?? "")
          .split(/\n{2,}/)
          .map((p) => `<p>${Handlebars.escapeExpression(p).replace(/\n/g, "<br>")}</p>`)
          .join("\n"),
      ),
    );
    const locales = new Set<string>();
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      // templates/portal holds the portal's page views (src/portal/views.ts), not a mail locale.
      if (!entry.isDirectory() || entry.name === "portal") continue;
      const locale = normalizeLocale(entry.name);
      const ldir = path.join(dir, entry.name);
      locales.add(locale);
      for (const file of readdirSync(ldir)) {
        const m = /^([a-z-]+)\.(subject|text|html)\.hbs$/.exec(file);
        if (!m) continue;
        const source = readFileSync(path.join(ldir, file), "utf8");
        const noEscape = m[2] !== "html";
        this.compiled.set(`${locale}/${m[1]}.${m[2]}`, hb.compile(source, { strict: true, noEscape }));
      }
    }
    if (!existsSync(path.join(dir, "en"))) throw new Error(`templates: ${dir}/en is missing`);
    this.locales = locales;
  }

  /** The template locale used for a recipient's locale: the full tag, else its base language, else "en". */
  resolveLocale(locale: string | null | undefined): string {
    const tag = normalizeLocale(locale ?? "");
    if (this.locales.has(tag)) return tag;
    const base = tag.split("-")[0] ?? "";
    return this.locales.has(base) ? base : "en";
  }

  render(locale: string, name: TemplateName, view: object): Rendered {
    const resolved = this.resolveLocale(locale);
    const part = (p: Part): string => {
      const t = this.compiled.get(`${resolved}/${name}.${p}`) ?? this.compiled.get(`en/${name}.${p}`);
      if (!t) throw new Error(`templates: en/${name}.${p}.hbs is missing`);
      return t(view);
    };
    return { subject: part("subject").replace(/\s+/g, " ").trim(), text: part("text"), html: part("html") };
  }
}

/** "cs_CZ.UTF-8" → "cs-cz", "zh-Hans" → "zh-hans", " EN " → "en". */
function normalizeLocale(locale: string): string {
  return locale.trim().split(/[.@]/)[0]!.toLowerCase().replace(/_/g, "-");
}

/**
 * Handlebars templates in /templates/<locale>/<name>.{subject,text,html}.hbs, compiled once.
 * Text parts compile with noEscape (they are not HTML); HTML parts escape everything, so no markup from a
 * customer's mail can reach an agent's mail client unescaped. The recipient's locale is used when a
 * template exists for it, else English.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";

export type TemplateName = "ack" | "new-case" | "update" | "reply";
type Part = "subject" | "text" | "html";

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

export const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../templates");

export class TemplateRenderer {
  private readonly compiled = new Map<string, HandlebarsTemplateDelegate>();

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
    for (const locale of readdirSync(dir)) {
      const ldir = path.join(dir, locale);
      for (const file of readdirSync(ldir)) {
        const m = /^([a-z-]+)\.(subject|text|html)\.hbs$/.exec(file);
        if (!m) continue;
        const source = readFileSync(path.join(ldir, file), "utf8");
        const noEscape = m[2] !== "html";
        this.compiled.set(`${locale}/${m[1]}.${m[2]}`, hb.compile(source, { strict: true, noEscape }));
      }
    }
    if (!existsSync(path.join(dir, "en"))) throw new Error(`templates: ${dir}/en is missing`);
  }

  render(locale: string, name: TemplateName, view: object): Rendered {
    const part = (p: Part): string => {
      const t = this.compiled.get(`${locale}/${name}.${p}`) ?? this.compiled.get(`en/${name}.${p}`);
      if (!t) throw new Error(`templates: en/${name}.${p}.hbs is missing`);
      return t(view);
    };
    return { subject: part("subject").replace(/\s+/g, " ").trim(), text: part("text"), html: part("html") };
  }
}

import { describe, expect, it } from "vitest";
import { parseMessage } from "../../src/parsing/parse-message.ts";
import { REPLY_LANGUAGES } from "../../src/parsing/reply-patterns.ts";
import { trimMessage } from "../../src/parsing/trim-message.ts";
import { trimReply } from "../../src/parsing/trim-reply.ts";
import { htmlMessage } from "../support/trim-measure.ts";
import { OWN_REPLIES } from "./fixtures/replies.ts";

const norm = (t: string): string => t.replace(/\n{3,}/g, "\n\n").trim();
const squash = (t: string): string => t.replace(/[\s>]/g, "");

describe("reply trimming on our own multilingual replies", () => {
  it.each(OWN_REPLIES.filter((r) => r.text !== undefined).map((r) => [`${r.lang}: ${r.name}`, r] as const))("%s", (_, r) => {
    expect(norm(trimReply(r.text!).body)).toBe(norm(r.expected));
  });

  it.each(OWN_REPLIES.filter((r) => r.html !== undefined).map((r) => [`${r.lang} html: ${r.name}`, r] as const))("%s", async (_, r) => {
    const msg = await parseMessage(htmlMessage(r.html!));
    expect(squash(trimMessage(msg).body)).toBe(squash(r.expected));
  });

  it("covers our customers' languages and the big European ones, as data", () => {
    for (const lang of ["cs", "pl", "zh", "en", "de", "fr", "es", "it", "nl", "pt", "sv", "da", "fi", "ru", "ja"]) {
      const l = REPLY_LANGUAGES[lang];
      expect({ lang, wrote: (l?.wrote.length ?? 0) > 0, headers: l?.headers !== undefined, original: (l?.original?.length ?? 0) > 0 }).toEqual({ lang, wrote: true, headers: true, original: true });
      expect(OWN_REPLIES.some((r) => r.lang === lang)).toBe(true);
    }
  });

  it("keeps the plain text when the HTML has no client marks", async () => {
    const msg = await parseMessage(htmlMessage("<p>Hello,</p><p>the printer is broken.</p>"));
    expect(msg.replyText).toBeUndefined();
    expect(trimMessage(msg)).toEqual(trimReply(msg.text));
  });
});

describe("inline forwards read with the same language table", () => {
  it.each([
    ["fr", "-------- Message transféré --------\nDe : Jeanne Roux <jeanne@exemple.test>\nEnvoyé le : lundi 3 novembre 2026 10:00\nÀ : ventes@exemple.test\nObjet : Panne de l'imprimante\n\nL'imprimante ne démarre plus."],
    ["da", "-------- Videresendt besked --------\nFra: Jeanne Roux <jeanne@exemple.test>\nDato: 3. nov. 2026 10:00\nTil: salg@exemple.test\nEmne: Panne de l'imprimante\n\nL'imprimante ne démarre plus."],
    ["fi", "Lähettäjä: Jeanne Roux <jeanne@exemple.test>\nLähetetty: maanantai 3. marraskuuta 2026 10.00\nVastaanottaja: myynti@exemple.test\nAihe: Panne de l'imprimante\n\nL'imprimante ne démarre plus."],
  ])("finds sender, subject and body of a %s forward", async (_, text) => {
    const { parseInlineForward } = await import("../../src/parsing/forwarded.ts");
    const f = parseInlineForward(`Voir ci-dessous.\n\n${text}`);
    expect({ from: f?.from.address, subject: f?.subject, body: f?.body }).toEqual({ from: "jeanne@exemple.test", subject: "Panne de l'imprimante", body: "L'imprimante ne démarre plus." });
  });
});

describe("stripHtmlQuotes on large mail", () => {
  it("trims 150 inline answers plus a trailing quote in one pass, and leaves pathological nesting to the text trimmer", async () => {
    const { stripHtmlQuotes } = await import("../../src/parsing/html-quotes.ts");
    const many = `<div>Answers below.</div>${'<blockquote type="cite">question</blockquote><div>answer</div>'.repeat(150)}<blockquote type="cite">old history</blockquote>`;
    const out = stripHtmlQuotes(many);
    expect(out).not.toBeNull();
    expect(out).not.toContain("old history");
    expect(out!.match(/answer</g)?.length).toBe(150);
    const nested = `<div>Reply</div>${'<div class="gmail_quote"><blockquote class="gmail_quote">x '.repeat(150)}${"</blockquote></div>".repeat(150)}`;
    expect(stripHtmlQuotes(nested)).toBeNull();
  });
});

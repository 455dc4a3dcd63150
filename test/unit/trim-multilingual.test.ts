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

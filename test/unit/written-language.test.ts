import { describe, expect, it } from "vitest";
import { writtenLanguage } from "../../src/routing/written-language.ts";

describe("writtenLanguage", () => {
  it.each([
    ["Dobrý den, nefunguje mi tiskárna v kanceláři, prosím o pomoc.", "cs"],
    ["Dobry den, nefunguje mi tiskarna v kancelari, prosim o pomoc.", "cs"],
    ["Dzień dobry, drukarka w biurze nie działa od wczoraj, proszę o pomoc.", "pl"],
    ["Dzien dobry, drukarka w biurze nie dziala od wczoraj, prosze o pomoc.", "pl"],
    ["您好，办公室的打印机从昨天开始就坏了，请帮忙。", "zh"],
    ["Hello, the printer in our office has not worked since yesterday, please help.", "en"],
    // Quoted English under a short Czech answer: quoted lines do not count.
    [`Děkuji, to pomohlo, tiskárna zase tiskne.\n${"> Please restart the printer and try again, then tell us whether it prints.\n".repeat(6)}`, "cs"],
  ])("%s → %s", (text, expected) => {
    expect(writtenLanguage(text)).toBe(expected);
  });

  it.each([["Invoice"], ["OK"], [""], ["12345 67890 !!!"]])("too little text to tell: %j → null", (text) => {
    expect(writtenLanguage(text)).toBeNull();
  });
});

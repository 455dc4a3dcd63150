/**
 * Mislabelled charsets (issue 14): UTF-8 declared as Big5, GB2312 or ISO-8859-1, Windows-1250 declared as
 * ISO-8859-2. Bytes are built with iconv-lite; every assertion compares with the original Unicode text, which
 * is what a customer sees in the acknowledgement and an agent in the notice.
 */
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { chooseCharset } from "../../src/parsing/charset.ts";
import { parseMessage } from "../../src/parsing/parse-message.ts";

const ZH = "您好，我的订单还没有到，请帮我查一下。";
const ZH_TW = "您好，我的訂單還沒有到，請幫我查一下。";
const CS = "Dobrý den, tiskárna nefunguje, ťukání nepomohlo.";
const PL = "Dzień dobry, drukarka nie działa — proszę o pomoc.";
const FR = "Bonjour, la facture du mois d'août est erronée.";

const utf8 = (t: string): Buffer => Buffer.from(t, "utf8");
const bWord = (charset: string, bytes: Buffer): string => `=?${charset}?B?${bytes.toString("base64")}?=`;
const mail = (subject: string, charset: string, body: Buffer): Buffer =>
  Buffer.concat([Buffer.from(`From: a@customer.test\r\nSubject: ${subject}\r\nContent-Type: text/plain; charset=${charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`, "latin1"), body]);

describe("chooseCharset", () => {
  it.each([
    ["UTF-8 Chinese declared big5", utf8(ZH), "big5", "utf-8"],
    ["UTF-8 Chinese declared gb2312", utf8(ZH), "gb2312", "utf-8"],
    ["UTF-8 Czech declared iso-8859-1", utf8(CS), "iso-8859-1", "utf-8"],
    ["UTF-8 French declared windows-1252", utf8(FR), "windows-1252", "utf-8"],
    ["Windows-1250 Czech declared iso-8859-2", iconv.encode(CS, "windows-1250"), "iso-8859-2", "windows-1250"],
    // ś (0x9C) and ź (0x9F) sit in ISO-8859-2's C1 range; ą is 0xB9 in Windows-1250 but š in ISO-8859-2.
    ["Windows-1250 Polish declared iso-8859-2", iconv.encode("Proszę, ściągnij źródło.", "windows-1250"), "iso-8859-2", "windows-1250"],
    ["real GBK declared gb2312 (widened)", iconv.encode(ZH, "gbk"), "gb2312", "gb18030"],
    ["real Big5 declared big5", iconv.encode(ZH_TW, "big5"), "big5", "big5"],
    ["real ISO-8859-2 without C1 bytes", iconv.encode("Zażółć", "iso-8859-2"), "iso-8859-2", "iso-8859-2"],
    ["ASCII declared big5", utf8("Hello"), "big5", "big5"],
  ])("%s → %s", (_, bytes, declared, want) => {
    expect(chooseCharset(bytes, declared).toLowerCase()).toBe(want);
  });
});

describe("parseMessage with mislabelled charsets", () => {
  it.each([
    ["big5", ZH],
    ["gb2312", ZH],
    ["iso-8859-1", CS],
  ])("reads UTF-8 declared %s as UTF-8, in the body and in an encoded-word subject", async (charset, text) => {
    const msg = await parseMessage(mail(bWord(charset, utf8(text)), charset, utf8(text)));
    expect(msg.text.trim()).toBe(text);
    expect(msg.subject).toBe(text);
  });

  it.each([CS, "Proszę, ściągnij źródło."])("reads Windows-1250 declared ISO-8859-2 as Windows-1250: %s", async (text) => {
    const bytes = iconv.encode(text, "windows-1250");
    const msg = await parseMessage(mail(bWord("iso-8859-2", bytes), "iso-8859-2", bytes));
    expect(msg.text.trim()).toBe(text);
    expect(msg.subject).toBe(text);
  });

  it("keeps correctly labelled Polish ISO-8859-2", async () => {
    const bytes = iconv.encode(PL.replace("—", "-"), "iso-8859-2");
    expect((await parseMessage(mail("x", "iso-8859-2", bytes))).text.trim()).toBe(PL.replace("—", "-"));
  });

  it("still reads correctly labelled GBK and Big5", async () => {
    expect((await parseMessage(mail("x", "gbk", iconv.encode(ZH, "gbk")))).text.trim()).toBe(ZH);
    expect((await parseMessage(mail("x", "big5", iconv.encode(ZH_TW, "big5")))).text.trim()).toBe(ZH_TW);
  });
});

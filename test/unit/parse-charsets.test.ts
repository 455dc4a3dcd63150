/**
 * Charset and MIME robustness of parseMessage, on messages built here byte by byte: the header text is ASCII,
 * bodies and encoded words carry bytes encoded with iconv-lite (the codec library mailparser itself decodes with),
 * so every assertion compares against the original Unicode string.
 */
import { createHash } from "node:crypto";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { findUuencodedFiles, parseMessage, supersetCharset } from "../../src/parsing/parse-message.ts";

const CZECH = "Příliš žluťoučký kůň";
const POLISH = "Zażółć gęślą jaźń";
const CHINESE = "您好，打印机坏了";
const TRADITIONAL = "您好，印表機壞了";
const RUSSIAN = "Съешь же ещё этих мягких французских булок";
const JAPANESE = "お問い合わせ：プリンターが壊れました";

/** Header lines (ASCII), joined with CRLF and ended by the blank line. */
const head = (...lines: string[]): Buffer => Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
/** Text with CRLF line ends, as UTF-8 (8-bit headers are RFC 6532 UTF-8; the rest is ASCII anyway). */
const crlf = (text: string): Buffer => Buffer.from(text.replace(/\r?\n/g, "\r\n"), "utf8");
const mail = (headers: string[], body: Buffer | string): Buffer => Buffer.concat([head(...headers), typeof body === "string" ? crlf(body) : body]);

/** RFC 2047 B encoded word. */
const bWord = (charset: string, bytes: Buffer): string => `=?${charset}?B?${bytes.toString("base64")}?=`;
/** RFC 2047 Q encoded word: printable ASCII except = ? _ stays, space is "_", the rest is =XX. */
const qWord = (charset: string, bytes: Buffer): string =>
  `=?${charset}?Q?${[...bytes]
    .map((c) => (c === 0x20 ? "_" : c > 0x20 && c < 0x7f && c !== 0x3d && c !== 0x3f && c !== 0x5f ? String.fromCharCode(c) : `=${c.toString(16).toUpperCase().padStart(2, "0")}`))
    .join("")}?=`;
/** Quoted-printable body (no soft line breaks needed for these short lines). */
const qp = (bytes: Buffer): string =>
  [...bytes].map((c) => (c >= 0x21 && c <= 0x7e && c !== 0x3d ? String.fromCharCode(c) : c === 0x20 ? " " : `=${c.toString(16).toUpperCase().padStart(2, "0")}`)).join("");

/**
 * ISO-2022-JP from EUC-JP: iconv-lite has no ISO-2022-JP encoder, but for JIS X 0208 text the two differ only in
 * framing — EUC-JP sets the high bit of both bytes, ISO-2022-JP switches with ESC $ B / ESC ( B and clears it.
 */
function iso2022jp(text: string): Buffer {
  const euc = iconv.encode(text, "euc-jp");
  const out: number[] = [];
  let kanji = false;
  for (let i = 0; i < euc.length; i++) {
    const byte = euc[i] ?? 0;
    if (byte >= 0xa1) {
      if (!kanji) out.push(0x1b, 0x24, 0x42);
      kanji = true;
      out.push(byte & 0x7f, (euc[++i] ?? 0) & 0x7f);
    } else {
      if (kanji) out.push(0x1b, 0x28, 0x42);
      kanji = false;
      out.push(byte);
    }
  }
  if (kanji) out.push(0x1b, 0x28, 0x42);
  return Buffer.from(out);
}

/** Classic uuencode (as `uuencode(1)` writes it, "`" for zero), for a file of any bytes. */
function uuencode(name: string, content: Buffer): string {
  const ch = (v: number): string => (v === 0 ? "`" : String.fromCharCode(v + 32));
  const lines: string[] = [`begin 644 ${name}`];
  for (let at = 0; at < content.length; at += 45) {
    const chunk = content.subarray(at, at + 45);
    let line = ch(chunk.length);
    for (let i = 0; i < chunk.length; i += 3) {
      const [a = 0, b = 0, c = 0] = [chunk[i], chunk[i + 1], chunk[i + 2]];
      line += ch(a >> 2) + ch(((a << 4) | (b >> 4)) & 63) + ch(((b << 2) | (c >> 6)) & 63) + ch(c & 63);
    }
    lines.push(line);
  }
  lines.push("`", "end");
  return lines.join("\n");
}

const sha256 = (bytes: Buffer): string => createHash("sha256").update(bytes).digest("hex");

describe("parseMessage: body and subject charsets", () => {
  const textMail = (charset: string, text: string, encode: (t: string) => Buffer, cte: "8bit" | "quoted-printable" | "base64" = "8bit"): Buffer => {
    const bytes = encode(text);
    const body = cte === "base64" ? bytes.toString("base64") : cte === "quoted-printable" ? qp(bytes) : bytes;
    return mail(
      ["From: jana@example.cz", "To: podpora@acme.test", `Subject: ${bWord(charset, bytes)}`, "MIME-Version: 1.0", `Content-Type: text/plain; charset=${charset}`, `Content-Transfer-Encoding: ${cte}`],
      Buffer.concat([typeof body === "string" ? Buffer.from(body, "latin1") : body, Buffer.from("\r\n")]),
    );
  };

  it.each([
    ["iso-8859-2", CZECH, "8bit"],
    ["windows-1250", CZECH, "quoted-printable"],
    ["iso-8859-2", POLISH, "base64"],
    ["gb2312", CHINESE, "base64"],
    ["gbk", CHINESE, "8bit"],
    ["gb18030", CHINESE, "8bit"],
    ["big5", TRADITIONAL, "base64"],
    ["koi8-r", RUSSIAN, "quoted-printable"],
  ] as const)("decodes %s (%s, %s)", async (charset, text, cte) => {
    const msg = await parseMessage(textMail(charset, text, (t) => iconv.encode(t, charset), cte));
    expect(msg.subject).toBe(text);
    // The CRLF after the body is content in 8bit and quoted-printable, but only padding around base64.
    expect(msg.text).toBe(cte === "base64" ? text : `${text}\n`);
  });

  it("decodes ISO-2022-JP (via encoding-japanese, iconv-lite lacks it)", async () => {
    const bytes = iso2022jp(JAPANESE);
    expect(bytes.every((b) => b < 0x80)).toBe(true); // 7-bit, as the charset promises
    const msg = await parseMessage(
      mail(["From: taro@example.jp", `Subject: ${bWord("ISO-2022-JP", bytes)}`, "Content-Type: text/plain; charset=ISO-2022-JP", "Content-Transfer-Encoding: 7bit"], Buffer.concat([bytes, Buffer.from("\r\n")])),
    );
    expect(msg.subject).toBe(JAPANESE);
    expect(msg.text).toBe(`${JAPANESE}\n`);
  });
});

describe("parseMessage: mislabelled and unknown charsets", () => {
  it("decodes GBK bytes declared as gb2312 (GBK is a superset)", async () => {
    const text = "朱镕基的打印机坏了";
    const bytes = iconv.encode(text, "gbk");
    // 镕 is GBK-only: its trail byte 0x46 lies outside GB2312's A1–FE rows, so the label really is wrong.
    expect(iconv.encode("镕", "gbk").toString("hex")).toBe("e946");
    const msg = await parseMessage(mail([`Subject: ${bWord("gb2312", bytes)}`, "Content-Type: text/plain; charset=gb2312"], bytes));
    expect(msg.subject).toBe(text);
    expect(msg.text).toBe(text);
  });

  it("decodes GB18030 four-byte sequences declared as gb2312 or gbk (the gb2312 → gb18030 widening)", async () => {
    const text = "打印机坏了🙂𠀀";
    const bytes = iconv.encode(text, "gb18030");
    expect(iconv.decode(bytes, "gbk")).not.toBe(text); // what libmime's gb2312 → GBK alone gave
    for (const label of ["gb2312", "GBK", "x-gbk"]) {
      const msg = await parseMessage(mail([`Subject: ${bWord(label, bytes)}`, `From: ${bWord(label, iconv.encode("王🙂", "gb18030"))} <wang@example.cn>`, `Content-Type: text/plain; charset=${label}`], bytes));
      expect(msg.subject).toBe(text);
      expect(msg.from).toEqual({ address: "wang@example.cn", name: "王🙂" });
      expect(msg.text).toBe(text);
    }
  });

  it("maps declared charsets to their supersets", () => {
    expect(supersetCharset("gb2312")).toBe("gb18030");
    expect(supersetCharset("GBK")).toBe("gb18030");
    expect(supersetCharset("iso-8859-1")).toBe("windows-1252");
    expect(supersetCharset("ks_c_5601-1987")).toBe("cp949");
    expect(supersetCharset("iso-8859-2")).toBe("iso-8859-2"); // not a subset of windows-1250: left alone
    expect(supersetCharset("x-unknown-123")).toBe("x-unknown-123");
  });

  it("decodes Korean declared as ks_c_5601-1987 with Unified Hangul (cp949) syllables", async () => {
    const text = "안녕하세요 똠방각하"; // 똠 is outside KS X 1001, only in cp949
    const bytes = iconv.encode(text, "cp949");
    const msg = await parseMessage(mail([`Subject: ${bWord("ks_c_5601-1987", bytes)}`, "Content-Type: text/plain; charset=ks_c_5601-1987"], bytes));
    expect(msg.subject).toBe(text);
    expect(msg.text).toBe(text);
  });

  it("decodes windows-1252 punctuation declared as iso-8859-1", async () => {
    const text = "“Quoted” – 100 € …";
    const bytes = iconv.encode(text, "windows-1252");
    const msg = await parseMessage(mail([`Subject: ${qWord("iso-8859-1", bytes)}`, "Content-Type: text/plain; charset=iso-8859-1"], bytes));
    expect(msg.subject).toBe(text);
    expect(msg.text).toBe(text);
  });

  it("documents windows-1250 bytes declared as iso-8859-1: read as windows-1252, ť (0x9D, unassigned there) becomes U+FFFD", async () => {
    const bytes = iconv.encode(CZECH, "windows-1250");
    const msg = await parseMessage(mail([`Subject: ${bWord("iso-8859-1", bytes)}`, "Content-Type: text/plain; charset=iso-8859-1"], bytes));
    // Nothing in the bytes says they are Czech; we do not guess. š and ž share their windows-1252 positions.
    const expected = "Pøíliš žlu\uFFFDouèký kùò";
    expect(msg.subject).toBe(expected);
    expect(msg.text).toBe(expected);
  });

  it("does not throw on an unknown charset: UTF-8 is read as such, other bytes become U+FFFD", async () => {
    const utf8 = await parseMessage(mail([`Subject: ${bWord("x-unknown-123", Buffer.from(CZECH))}`, "Content-Type: text/plain; charset=x-unknown-123"], Buffer.from(CZECH)));
    expect(utf8.subject).toBe(CZECH);
    expect(utf8.text).toBe(CZECH);
    const cp1250 = iconv.encode(CZECH, "windows-1250");
    const other = await parseMessage(mail([`Subject: ${bWord("x-unknown-123", cp1250)}`, "Content-Type: text/plain; charset=x-unknown-123"], cp1250));
    const expected = "P\uFFFD\uFFFDli\uFFFD \uFFFDlu\uFFFDou\uFFFDk\uFFFD k\uFFFD\uFFFD";
    expect(other.subject).toBe(expected);
    expect(other.text).toBe(expected);
  });

  it("never decodes from UTF-7 (markup smuggling), and does not throw", async () => {
    const msg = await parseMessage(mail(["Subject: =?utf-7?Q?+ADw-script+AD4-?=", "Content-Type: text/plain; charset=utf-7"], "+ADw-script+AD4-alert(1)+ADw-/script+AD4-"));
    expect(msg.subject).toBe("+ADw-script+AD4-");
    expect(msg.text).toBe("+ADw-script+AD4-alert(1)+ADw-/script+AD4-");
  });
});

describe("parseMessage: RFC 2047 encoded words", () => {
  it("joins Q and B words, split across words and charsets, and drops the whitespace between them", async () => {
    const smile = Buffer.from("🙂 ok");
    const subject = [
      qWord("windows-1250", iconv.encode("Příliš ", "windows-1250")),
      qWord("iso-8859-2", iconv.encode("žluťoučký", "iso-8859-2")),
      bWord("utf-8", smile.subarray(0, 2)), // a four-byte character split between two words
      bWord("utf-8", smile.subarray(2)),
      bWord("koi8-r", iconv.encode(" ёж", "koi8-r")),
    ].join("\r\n ");
    const msg = await parseMessage(mail([`Subject: Re: ${subject} [#42]`, "From: x@example.cz"], "x"));
    expect(msg.subject).toBe("Re: Příliš žluťoučký🙂 ok ёж [#42]");
  });

  it("decodes display names in From (Q, B, two charsets) and lower-cases the address", async () => {
    const from = `${qWord("iso-8859-2", iconv.encode("Jiří Novák", "iso-8859-2"))} ${bWord("gbk", iconv.encode("（技术支持）", "gbk"))} <Jiri.Novak@Example.CZ>`;
    const msg = await parseMessage(mail([`From: ${from}`, `Cc: ${bWord("big5", iconv.encode("陳小姐", "big5"))} <chen@example.tw>`, "Subject: x"], "x"));
    expect(msg.from).toEqual({ address: "jiri.novak@example.cz", name: "Jiří Novák（技术支持）" });
    expect(msg.cc).toEqual([{ address: "chen@example.tw", name: "陳小姐" }]);
  });

  it("keeps the raw encoded words in headers (the record is not relabelled)", async () => {
    const word = bWord("gb2312", iconv.encode("打印机", "gbk"));
    const msg = await parseMessage(mail([`Subject: ${word}`, "From: x@example.cn"], "x"));
    expect(msg.headers["subject"]).toEqual([word]);
    expect(msg.subject).toBe("打印机");
  });
});

describe("parseMessage: MIME structure", () => {
  it("decodes an RFC 2231 encoded Czech attachment filename (charset, percent-encoding, continuations)", async () => {
    const pdf = Buffer.from("%PDF-1.4 faktura");
    const raw = mail(
      ["From: a@example.cz", "Subject: faktura", "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="b1"'],
      [
        "--b1",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "V příloze.",
        "--b1",
        "Content-Type: application/pdf; name*=utf-8''Faktura%20%C4%8D.%201.pdf",
        "Content-Disposition: attachment;",
        " filename*0*=iso-8859-2''P%F8%EDli%B9%20%BElu%BBou%E8k%FD;",
        " filename*1*=%20k%F9%F2.pdf",
        "Content-Transfer-Encoding: base64",
        "",
        pdf.toString("base64"),
        "--b1",
        "Content-Type: application/pdf; name*=utf-8''Faktura%20%C4%8D.%201.pdf",
        "Content-Transfer-Encoding: base64",
        "",
        pdf.toString("base64"),
        "--b1--",
        "",
      ].join("\n"),
    );
    const msg = await parseMessage(raw);
    expect(msg.text).toBe("V příloze.");
    expect(msg.attachments.map((a) => a.filename)).toEqual([`${CZECH}.pdf`, "Faktura č. 1.pdf"]);
    expect(msg.attachments[0]).toMatchObject({ contentType: "application/pdf", inline: false, size: pdf.length, sha256: sha256(pdf) });
    expect(msg.attachments[0]?.content.equals(pdf)).toBe(true);
  });

  it("extracts a uuencoded file from a text/plain body and takes it out of the text", async () => {
    const file = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) & 255));
    const body = `See the attached scan.\n\n${uuencode("scan 01.bin", file)}\n\nRegards,\nJana\n`;
    const msg = await parseMessage(mail(["From: jana@example.cz", "Subject: scan", "Content-Type: text/plain; charset=us-ascii"], body));
    expect(msg.text).toBe("See the attached scan.\n\nRegards,\nJana\n");
    expect(msg.attachments).toHaveLength(1);
    expect(msg.attachments[0]).toMatchObject({ filename: "scan 01.bin", contentType: "application/octet-stream", size: 300, inline: false, contentId: null, sha256: sha256(file) });
    expect(msg.attachments[0]?.content.equals(file)).toBe(true);
  });

  it("decodes a Content-Transfer-Encoding: x-uuencode part", async () => {
    const file = Buffer.from("hello, uuencoded world\n");
    const raw = mail(
      ["From: a@example.cz", "Subject: uu", 'Content-Type: multipart/mixed; boundary="b1"'],
      ["--b1", "Content-Type: text/plain", "", "attached", "--b1", "Content-Type: application/octet-stream", "Content-Transfer-Encoding: x-uuencode", "", uuencode("hello.txt", file), "--b1--", ""].join("\n"),
    );
    const msg = await parseMessage(raw);
    expect(msg.attachments).toHaveLength(1);
    expect(msg.attachments[0]).toMatchObject({ filename: "hello.txt", size: file.length, sha256: sha256(file) });
    expect(msg.attachments[0]?.content.equals(file)).toBe(true);
  });

  it("leaves text that only looks like uuencode alone", () => {
    expect(findUuencodedFiles("begin 644 notes.txt\nthis is prose, not uuencode\nend\n")).toEqual([]);
    expect(findUuencodedFiles("we begin 644 times\nend")).toEqual([]);
  });

  it("keeps a forwarded message/rfc822 part as an attachment with its raw bytes (DSN and loop detection read it)", async () => {
    const inner = crlf(`From: zakaznik@example.cz\nSubject: ${qWord("iso-8859-2", iconv.encode("Tiskárna", "iso-8859-2"))}\nMessage-ID: <inner@example.cz>\nContent-Type: text/plain; charset=iso-8859-2\nContent-Transfer-Encoding: quoted-printable\n\n${qp(iconv.encode(CZECH, "iso-8859-2"))}\n`);
    const outer = (disposition: string[]): Buffer =>
      Buffer.concat([
        mail(["From: agent@example.cz", `Subject: Fwd: ${qWord("utf-8", Buffer.from("Tiskárna"))}`, 'Content-Type: multipart/mixed; boundary="b1"'], "--b1\nContent-Type: text/plain\n\nSee below.\n--b1\nContent-Type: message/rfc822\n" + disposition.map((l) => `${l}\n`).join("") + "\n"),
        inner,
        crlf("--b1--\n"),
      ]);
    const attached = await parseMessage(outer([]));
    expect(attached.subject).toBe("Fwd: Tiskárna");
    expect(attached.text).toBe("See below.");
    expect(attached.attachments).toHaveLength(1);
    expect(attached.attachments[0]).toMatchObject({ contentType: "message/rfc822", filename: null, inline: false });
    expect(attached.attachments[0]?.content.toString("latin1")).toContain("Message-ID: <inner@example.cz>");

    // With Content-Disposition: inline mailparser shows the forwarded message in the text, decoded.
    const inlined = await parseMessage(outer(["Content-Disposition: inline"]));
    expect(inlined.text).toBe(`See below.\n\nFrom: zakaznik@example.cz\nSubject: Tiskárna\n\n${CZECH}`);
    expect(inlined.attachments).toEqual([]);
  });

  it("derives text from HTML-only mail: no tags, entities decoded, script and style dropped", async () => {
    const html =
      '<html><head><title>T</title><style>p{color:red}</style><script>alert("x")</script></head>' +
      "<body><p>Dobr&yacute; den &amp; v&#237;tejte&nbsp;&lt;tag&gt; &#x1F642;</p><script>var secret=1;</script>" +
      '<p>Second <b>line</b></p><a href="https://acme.test/t/1">ticket</a></body></html>';
    const msg = await parseMessage(mail(["From: a@example.cz", "Subject: html", "Content-Type: text/html; charset=utf-8"], Buffer.from(html)));
    expect(msg.html).toBe(html);
    expect(msg.text).toBe("Dobrý den & vítejte\u00a0<tag> 🙂\n\nSecond line\n\nticket [https://acme.test/t/1]");
    expect(msg.text).not.toMatch(/secret|alert|color/);
  });

  it("derives text from HTML in multipart/related and multipart/mixed without a text part", async () => {
    const png = Buffer.from("89504e470d0a1a0a0000", "hex");
    for (const type of ["multipart/related", "multipart/mixed"]) {
      const raw = mail(
        ["From: a@example.cz", "Subject: img", `Content-Type: ${type}; boundary="b1"`],
        [
          "--b1",
          "Content-Type: text/html; charset=utf-8",
          "",
          '<p>Hello <b>there</b> &amp; bye</p><img src="cid:logo@x">',
          "--b1",
          "Content-Type: image/png; name=logo.png",
          "Content-ID: <logo@x>",
          "Content-Transfer-Encoding: base64",
          "",
          png.toString("base64"),
          "--b1--",
          "",
        ].join("\n"),
      );
      const msg = await parseMessage(raw);
      expect(msg.text).toBe("Hello there & bye");
      // Content-ID without Content-Disposition: an embedded image, in multipart/related and outside it.
      expect(msg.attachments).toHaveLength(1);
      expect(msg.attachments[0]).toMatchObject({ filename: "logo.png", contentType: "image/png", contentId: "logo@x", inline: true, sha256: sha256(png) });
    }
  });

  it("keeps a Content-ID part with Content-Disposition: attachment as an attachment", async () => {
    const raw = mail(
      ["From: a@example.cz", "Subject: pdf", 'Content-Type: multipart/mixed; boundary="b1"'],
      ["--b1", "Content-Type: text/plain", "", "pdf attached", "--b1", "Content-Type: application/pdf; name=a.pdf", "Content-ID: <pdf@x>", "Content-Disposition: attachment; filename=a.pdf", "", "%PDF", "--b1--", ""].join("\n"),
    );
    const msg = await parseMessage(raw);
    expect(msg.attachments[0]).toMatchObject({ contentId: "pdf@x", inline: false });
  });

  it("does not throw on headers named like Object.prototype members", async () => {
    const msg = await parseMessage(mail(["From: a@example.cz", "Subject: proto", "constructor: x", "__proto__: y", "toString: z"], "body"));
    expect(msg.subject).toBe("proto");
    expect(msg.headers["constructor"]).toEqual(["x"]);
    expect(Object.getOwnPropertyDescriptor(msg.headers, "__proto__")?.value).toEqual(["y"]);
    expect(Object.getPrototypeOf(msg.headers)).toBe(Object.prototype);
  });
});

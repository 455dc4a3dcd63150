/**
 * parseMessageWithBudget: a parse that overruns its budget is terminated and rejected with "parse budget
 * exceeded"; anything else comes back exactly as parseMessage returns it. Plus the HTML→text cap and its linear
 * fallback, which keep big-but-legitimate HTML mail inside any sane budget.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeParseWorkers, parseMessageWithBudget, parsePoolSize, PARSE_BUDGET_EXCEEDED } from "../../src/parsing/parse-budget.ts";
import { findUuencodedFiles, htmlToTextFallback, parseMessage } from "../../src/parsing/parse-message.ts";

const CRLF = "\r\n";
const lines = (...parts: string[]): string => parts.join(CRLF);
const sha256 = (bytes: Buffer): string => createHash("sha256").update(bytes).digest("hex");

const small = Buffer.from(lines("From: Jana <jana@example.cz>", "To: podpora@acme.test", "Subject: Printer", "Message-ID: <small@example.cz>", "", "The printer is broken.", ""));

/**
 * A message that keeps html-to-text busy for many seconds: a text part plus a dozen HTML parts in multipart/mixed
 * (mailparser converts each HTML part next to a text part separately), each a table just under the 1 MiB
 * conversion cap, so the cap does not help and only the budget can stop it. Built with repeat(): ~10 MB in ms.
 */
function tableBomb(): Buffer {
  const table = `<table>${"<tr><td>a</td><td>b</td></tr>".repeat(34_000)}</table>`;
  const part = lines("--b", "Content-Type: text/html; charset=utf-8", "", table, "");
  return Buffer.from(
    lines("From: bomb@example.com", "Subject: tables", "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="b"', "", "--b", "Content-Type: text/plain", "", "see tables", "") +
      part.repeat(12) +
      lines("--b--", ""),
  );
}

/** A normal support mail: alternative text/HTML, Czech subject, a small (pool-backed) and a large attachment. */
function normalMessage(): Buffer {
  const smallFile = Buffer.from("col1;col2\n1;2\n");
  const largeFile = Buffer.alloc(200_000, 0);
  for (let i = 0; i < largeFile.length; i++) largeFile[i] = (i * 31) & 255;
  return Buffer.from(
    lines(
      "From: =?utf-8?Q?Jana_Nov=C3=A1kov=C3=A1?= <Jana@Example.CZ>",
      "To: podpora@acme.test",
      "Cc: boss@example.cz",
      "Subject: =?utf-8?B?" + Buffer.from("Tiskárna nefunguje – MC-1042").toString("base64") + "?=",
      "Message-ID: <normal@example.cz>",
      "In-Reply-To: <prev@acme.test>",
      "References: <first@acme.test> <prev@acme.test>",
      "Date: Mon, 01 Dec 2026 10:00:00 +0100",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="outer"',
      "",
      "--outer",
      'Content-Type: multipart/alternative; boundary="alt"',
      "",
      "--alt",
      "Content-Type: text/plain; charset=utf-8",
      "Content-Transfer-Encoding: quoted-printable",
      "",
      "Dobr=C3=BD den, tisk=C3=A1rna nefunguje.",
      "--alt",
      "Content-Type: text/html; charset=utf-8",
      "",
      "<p>Dobrý den, <b>tiskárna</b> nefunguje.</p>",
      "--alt--",
      "--outer",
      'Content-Type: text/csv; name="data.csv"',
      "Content-Disposition: attachment; filename=data.csv",
      "Content-Transfer-Encoding: base64",
      "",
      smallFile.toString("base64"),
      "--outer",
      'Content-Type: application/octet-stream; name="dump.bin"',
      "Content-Disposition: attachment; filename=dump.bin",
      "Content-Transfer-Encoding: base64",
      "",
      largeFile.toString("base64").replace(/.{76}/g, `$&${CRLF}`),
      "--outer--",
      "",
    ),
  );
}

beforeAll(async () => {
  // Warm the pool: a worker's start (bundling once, then loading mailparser) is not part of any budget.
  await parseMessageWithBudget(small, { timeoutMs: 30_000 });
}, 60_000);

afterAll(async () => {
  await closeParseWorkers();
});

describe("parseMessageWithBudget", () => {
  it("terminates a pathological parse and rejects with 'parse budget exceeded' within about timeoutMs + 1 s", async () => {
    const raw = tableBomb();
    const timeoutMs = 500;
    const started = performance.now();
    const error = await parseMessageWithBudget(raw, { timeoutMs }).then(
      () => null,
      (err: unknown) => err,
    );
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message.startsWith(PARSE_BUDGET_EXCEEDED)).toBe(true);
    expect((error as Error).message).toMatch(/^parse budget exceeded: no result after 500 ms/);
    expect(elapsed).toBeLessThan(timeoutMs + 1_000);
    // The caller's buffer is copied, not transferred away.
    expect(raw.subarray(0, 5).toString()).toBe("From:");
    // The killed worker is replaced: the next message parses.
    expect((await parseMessageWithBudget(small, { timeoutMs: 30_000 })).subject).toBe("Printer");
  }, 60_000);

  it("returns exactly what parseMessage returns, attachments as Buffers with equal bytes and sha256", async () => {
    const raw = normalMessage();
    const direct = await parseMessage(raw);
    const budgeted = await parseMessageWithBudget(raw, { timeoutMs: 30_000 });
    expect(budgeted.subject).toBe("Tiskárna nefunguje – MC-1042");
    expect(budgeted.text).toBe(direct.text);
    expect(budgeted.attachments).toHaveLength(2);
    for (const [i, a] of budgeted.attachments.entries()) {
      const d = direct.attachments[i];
      expect(Buffer.isBuffer(a.content)).toBe(true);
      expect(a.content.equals(d?.content ?? Buffer.alloc(0))).toBe(true);
      expect(a.sha256).toBe(sha256(a.content));
      expect(a.sha256).toBe(d?.sha256);
    }
    expect(budgeted.attachments[1]?.size).toBe(200_000);
    expect(budgeted.date).toEqual(new Date("2026-12-01T09:00:00Z"));
    expect(budgeted).toStrictEqual(direct);
  }, 60_000);

  it("passes parseMessage's own errors through with the same message, and the worker stays usable", async () => {
    // mailparser refuses a header block over 1 MB.
    const raw = Buffer.from(`From: a@example.cz${CRLF}X-Big: ${"x".repeat(1_100_000)}${CRLF}${CRLF}body${CRLF}`);
    const direct = await parseMessage(raw).then(
      () => null,
      (err: unknown) => (err as Error).message,
    );
    expect(direct).not.toBeNull();
    await expect(parseMessageWithBudget(raw, { timeoutMs: 30_000 })).rejects.toThrow(direct ?? "");
    expect((await parseMessageWithBudget(small, { timeoutMs: 30_000 })).subject).toBe("Printer");
  }, 60_000);

  it("parses more messages at once than the pool has workers: they wait for a free one", async () => {
    const raws = Array.from({ length: 4 }, (_, i) => Buffer.from(lines("From: a@example.cz", `Subject: parallel ${i}`, "", `body ${i}`, "")));
    const results = await Promise.all(raws.map((raw) => parseMessageWithBudget(raw, { timeoutMs: 30_000 })));
    expect(results.map((m) => m.subject)).toEqual(["parallel 0", "parallel 1", "parallel 2", "parallel 3"]);
  }, 60_000);

  it("keeps headers named like Object.prototype members across the thread boundary", async () => {
    const msg = await parseMessageWithBudget(Buffer.from(lines("From: a@example.cz", "__proto__: y", "constructor: x", "Subject: s", "", "b", "")), { timeoutMs: 30_000 });
    expect(msg.headers["constructor"]).toEqual(["x"]);
    expect(Object.getOwnPropertyDescriptor(msg.headers, "__proto__")?.value).toEqual(["y"]);
  }, 60_000);

  it("parses a 20 MB HTML-only message (200k links, deep tags) inside a budget: over the cap, the linear fallback converts it", async () => {
    const html = `<html><body><script>var x = "</p>";</script>${'<p><a href="https://example.com/x">link</a> &amp; more</p>'.repeat(200_000)}${"<div><span>".repeat(400_000)}end</body></html>`;
    const raw = Buffer.concat([Buffer.from(lines("From: news@example.com", "Subject: big", "Content-Type: text/html; charset=utf-8", "", "")), Buffer.from(html)]);
    expect(raw.length).toBeGreaterThan(15_000_000);
    const msg = await parseMessageWithBudget(raw, { timeoutMs: 20_000 });
    expect(msg.html?.length).toBe(html.length);
    expect(msg.text.startsWith("link & more\nlink & more\n")).toBe(true);
    expect(msg.text.endsWith("link & more\nend")).toBe(true);
    expect(msg.text).not.toMatch(/[<>]|var x/);
  }, 60_000);
});

describe("htmlToTextFallback", () => {
  it("drops tags, skips script/style/title, breaks lines at blocks, decodes entities", () => {
    const html =
      "<!DOCTYPE html><html><head><title>T</title><STYLE>p{}</STYLE></head><body><!-- c --><h1>Nadpis</h1>" +
      "<p>Dobr&yacute; den &amp; v&#237;tejte&nbsp;&lt;tag&gt; &#x1F642;</p><SCRIPT>if (a < b) x = '</p>';</SCRIPT>" +
      "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>a < b<br>konec</body></html>";
    expect(htmlToTextFallback(html)).toBe("Nadpis\nDobrý den & vítejte\u00a0<tag> 🙂\na b\nc\na < b\nkonec");
  });

  it("decodes Latin-1 and Central European named entities case-sensitively", () => {
    expect(htmlToTextFallback("P&rcaron;&iacute;li&scaron; &Zcaron;lu&tcaron;ou&ccaron;k&yacute; k&uring;&ncaron; &Aacute;&aacute; Za&zdot;&oacute;&lstrok;&cacute; &AMP; &bogus;")).toBe(
      "Příliš Žluťoučký kůň Áá Zażółć & &bogus;",
    );
  });

  it("treats an unclosed script as running to the end, and an unterminated tag as the end", () => {
    expect(htmlToTextFallback("before<script>never closed <p>hidden")).toBe("before");
    expect(htmlToTextFallback("before<p class='x' ")).toBe("before");
  });

  it("stays linear on input that would make a naive scanner quadratic", () => {
    const inputs = ["<script>".repeat(200_000), "<a".repeat(500_000), "</".repeat(500_000) + "<style>", "<!--".repeat(300_000), "&#1;&".repeat(300_000)];
    for (const html of inputs) {
      const started = performance.now();
      htmlToTextFallback(html);
      expect(performance.now() - started).toBeLessThan(3_000);
    }
  });
});

describe("findUuencodedFiles", () => {
  it("stays linear with many begin lines and one end", () => {
    const text = `${"begin 644 x\n".repeat(100_000)}M${"A".repeat(60)}\nend\n`;
    const started = performance.now();
    findUuencodedFiles(text);
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});

describe("parsePoolSize: one core left to the main thread, 1 to 4 workers", () => {
  it.each([
    [1, 1],
    [2, 1],
    [3, 2],
    [4, 3],
    [5, 4],
    [16, 4],
  ])("%i cores → %i workers", (cores, workers) => {
    expect(parsePoolSize(cores)).toBe(workers);
  });
});

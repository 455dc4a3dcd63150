/**
 * Article Markdown to customer-facing HTML (src/kb/markdown.ts): what a writer means survives, and a corpus
 * of XSS vectors (raw HTML in Markdown, event handlers, javascript: and data: links, SVG, iframes, style,
 * entity and case tricks) leaves no script, no handler and no dangerous URL in the output.
 */
import { describe, expect, it } from "vitest";
import { markdownToText, renderMarkdown } from "../../src/kb/markdown.ts";

const XSS_CORPUS = [
  "<script>alert(1)</script>",
  "<SCRIPT SRC=https://evil.test/x.js></SCRIPT>",
  "<img src=x onerror=alert(1)>",
  '<img src="https://ok.test/a.png" onload="alert(1)">',
  "<svg onload=alert(1)><circle r=1></svg>",
  "<svg><script>alert(1)</script></svg>",
  "<iframe src=javascript:alert(1)></iframe>",
  '<a href="javascript:alert(1)">click</a>',
  '<a href="JaVaScRiPt:alert(1)">click</a>',
  '<a href="&#106;avascript:alert(1)">click</a>',
  '<a href="java\tscript:alert(1)">click</a>',
  "[click](javascript:alert(1))",
  "[click](JAVASCRIPT:alert(1))",
  "[click](vbscript:msgbox(1))",
  "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
  "![x](javascript:alert(1))",
  '![x](https://ok.test/a.png"onerror="alert(1))',
  "<div style=\"background:url(javascript:alert(1))\">x</div>",
  "<style>body{background:red}</style>",
  '<form action="https://evil.test"><input name=x></form>',
  "<object data=javascript:alert(1)></object>",
  "<embed src=javascript:alert(1)>",
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  "<details open ontoggle=alert(1)>",
  '<body onload="alert(1)">',
  "<a href=\"https://ok.test\" onclick=\"alert(1)\">ok</a>",
  "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
  "<base href=javascript:alert(1)//>",
  "<<script>script>alert(1)<</script>/script>",
  "<scr<script>ipt>alert(1)</script>",
  "`<script>alert(1)</script>`",
  "```html\n<script>alert(1)</script>\n```",
  "<a href=//evil.test/x>protocol-relative</a>",
  "<img src=//evil.test/x.png>",
  "<img src=http://tracker.test/pixel.gif>",
];

/** What must never appear in the rendered HTML. */
function dangers(html: string): string[] {
  const found: string[] = [];
  if (/<script/i.test(html)) found.push("script tag");
  if (/<(iframe|object|embed|svg|math|style|form|input|meta|base|details|body)\b/i.test(html)) found.push("forbidden tag");
  if (/\son[a-z]+\s*=/i.test(html)) found.push("event handler");
  if (/(href|src)\s*=\s*"?\s*(javascript|vbscript|data):/i.test(html)) found.push("dangerous URL");
  if (/(href|src)\s*=\s*"?\/\//i.test(html)) found.push("protocol-relative URL");
  if (/<img[^>]+src="http:/i.test(html)) found.push("plain-http image");
  if (/\sstyle\s*=/i.test(html)) found.push("style attribute");
  return found;
}

describe("XSS corpus", () => {
  it.each(XSS_CORPUS)("%s", (input) => {
    const html = renderMarkdown(`Before\n\n${input}\n\nAfter`);
    expect(dangers(html)).toEqual([]);
    // Text before the vector survives (an unclosed <math> or <style> may swallow what follows: safe).
    expect(html).toContain("Before");
  });

  it("the checker itself spots each danger in raw HTML (it is not vacuous)", () => {
    for (const raw of ["<script>x</script>", "<img src=x onerror=alert(1)>", '<a href="javascript:x">', "<iframe>", '<div style="x">']) expect(dangers(raw)).not.toEqual([]);
  });

  it("code blocks show markup as text instead of dropping it", () => {
    const html = renderMarkdown("```html\n<script>alert(1)</script>\n```");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });
});

describe("what writers mean survives", () => {
  it("headings, emphasis, lists, tables, code and safe links", () => {
    const html = renderMarkdown("# Reset\n\nGo to **Settings** and *Security*.\n\n1. One\n2. Two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n`code` and [docs](https://docs.test/reset) and [page](/portal/kb) and [mail](mailto:help@x.test)\n\n![diagram](https://img.test/d.png)");
    expect(html).toContain("<h1>Reset</h1>");
    expect(html).toContain("<strong>Settings</strong>");
    expect(html).toContain("<ol>");
    expect(html).toContain("<table>");
    expect(html).toContain("<code>code</code>");
    expect(html).toContain('href="https://docs.test/reset"');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
    expect(html).toContain('href="/portal/kb"');
    expect(html).toContain('href="mailto:help@x.test"');
    expect(html).toContain('<img src="https://img.test/d.png" alt="diagram"');
  });

  it("keeps Czech, Polish and Chinese text", () => {
    expect(renderMarkdown("Příliš žluťoučký kůň, zażółć gęślą jaźń, 重置密码")).toContain("Příliš žluťoučký kůň, zażółć gęślą jaźń, 重置密码");
  });

  it("plain text for the search index has no markup", () => {
    expect(markdownToText("# Title\n\nSome **bold** & <b>html</b> [link](https://x.test)")).toBe("Title\nSome bold & html link");
  });
});

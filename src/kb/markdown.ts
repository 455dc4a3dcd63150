/**
 * Article bodies: Markdown (written by agents, in files or mail) to HTML that is safe to show to customers.
 * `marked` turns Markdown into HTML (raw HTML inside the Markdown passes through it), then sanitize-html —
 * the same library the portal uses for customer mail — keeps an allow-list: no script, no style, no event
 * handlers, no forms or frames, links only to http(s)/mailto or paths of the site, images only from https
 * or the site. The portal's strict CSP stays as a second wall.
 */
import { Marked } from "marked";
import sanitizeHtml from "sanitize-html";

// One instance with its own options (marked's global defaults are shared by every importer of the package).
const marked = new Marked({ gfm: true, breaks: false, async: false });

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: ["p", "br", "a", "b", "strong", "i", "em", "u", "s", "del", "ul", "ol", "li", "blockquote", "pre", "code", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "hr", "img", "span", "div", "sup", "sub", "kbd"],
  allowedAttributes: { a: ["href", "title", "rel"], img: ["src", "alt", "title", "width", "height"], th: ["scope", "align"], td: ["colspan", "rowspan", "align"], code: ["class"], ol: ["start"] },
  allowedClasses: { code: [/^language-[a-z0-9+-]+$/] },
  allowedSchemes: ["http", "https", "mailto"],
  allowedSchemesByTag: { img: ["https"] },
  allowedSchemesAppliedToAttributes: ["href", "src"],
  allowProtocolRelative: false,
  disallowedTagsMode: "discard",
  nonTextTags: ["script", "style", "textarea", "option", "noscript", "title", "head", "iframe", "object", "embed", "template", "svg", "math"],
  transformTags: {
    // Links in an article point away from the portal: no referrer, no opener, and no SEO credit given away.
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: "noopener noreferrer nofollow" } }),
  },
};

/** Markdown to sanitized HTML. */
export function renderMarkdown(markdown: string): string {
  const html = marked.parse(markdown, { async: false });
  return sanitizeHtml(html, SANITIZE);
}

/** Markdown to plain text (search index, summaries, mail): the rendered HTML without its tags. */
export function markdownToText(markdown: string): string {
  const html = sanitizeHtml(marked.parse(markdown, { async: false }), { allowedTags: [], allowedAttributes: {}, nonTextTags: ["script", "style", "textarea", "noscript", "title"] });
  return html
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

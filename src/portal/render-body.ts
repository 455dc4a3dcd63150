/**
 * Post bodies as portal HTML. Customer mail is hostile: a body is escaped (it is text) and, when a post
 * carries HTML, that HTML is sanitised on the server with an allow-list (sanitize-html) — no scripts, no
 * event handlers, no styles, no forms, links only to http(s)/mailto and opened without referrer. Remote
 * images are never loaded (tracking pixels): every <img> becomes a short text placeholder. The strict CSP
 * stays as a second wall.
 */
import sanitizeHtml from "sanitize-html";

const escape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** A text body as paragraphs with line breaks (escaped; nothing in it is markup). */
export function textToHtml(text: string): string {
  return text
    .trim()
    .split(/\n{2,}/)
    .map((p) => `<p>${escape(p).replace(/\n/g, "<br>")}</p>`)
    .join("\n");
}

/** Sanitises HTML from a mail for display; `imagePlaceholder` replaces every image. */
export function sanitizeMailHtml(html: string, imagePlaceholder: string): string {
  return sanitizeHtml(html, {
    allowedTags: ["p", "br", "div", "span", "a", "b", "strong", "i", "em", "u", "ul", "ol", "li", "blockquote", "pre", "code", "h1", "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "hr"],
    allowedAttributes: { a: ["href", "rel", "target", "referrerpolicy"], th: ["scope"], td: ["colspan", "rowspan"] },
    allowedSchemes: ["http", "https", "mailto"],
    allowProtocolRelative: false,
    disallowedTagsMode: "discard",
    // Content of these is dropped with the tag (the text of a <script> must not appear as text either).
    nonTextTags: ["script", "style", "textarea", "option", "noscript", "title", "head"],
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: "noopener noreferrer nofollow", target: "_blank", referrerpolicy: "no-referrer" } }),
      img: () => ({ tagName: "span", attribs: { class: "img-placeholder" }, text: imagePlaceholder }),
    },
    allowedClasses: { span: ["img-placeholder"] },
  });
}

/** What the case page shows for a post body. */
export function renderPostBody(post: { body: string; html?: string | null }, imagePlaceholder: string): string {
  if (post.html) return sanitizeMailHtml(post.html, imagePlaceholder);
  return sanitizeMailHtml(textToHtml(post.body), imagePlaceholder);
}

/**
 * Article bodies: Markdown (written by agents, in files or mail) to HTML that is safe to show to customers.
 * `marked` turns Markdown into HTML (raw HTML inside the Markdown passes through it), then sanitize-html —
 * the same library the portal uses for customer mail — keeps an allow-list: no script, no style, no event
 * handlers, no forms or frames, links only to http(s)/mailto or paths of the site, images only from https
 * or the site. The portal's strict CSP stays as a second wall.
 */
import { Marked } from "marked";
import path from "node:path";
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

/** Where an article's own files are served, and which names it has (see kb-files.ts). */
export interface ArticleFiles {
  /** `<portal>/kb/articles/<id>/files/` (ends with a slash). */
  base: string;
  names: ReadonlySet<string>;
}

/**
 * The attachment name a relative reference points to (`files/manual.pdf`), or null when the URL is not a
 * relative path (scheme, `/`, `#`, `?`) or leaves the article's folder (`..`): those are never files of it.
 */
export function relativeRefName(url: string): string | null {
  const raw = url.trim().split(/[?#]/)[0]!;
  if (!raw || /^[a-z][a-z0-9+.-]*:/i.test(raw) || /^[/\\]/.test(raw) || raw.includes("\\")) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return null;
  }
  const name = path.posix.normalize(decoded);
  if (name.startsWith("..") || name.startsWith("/") || name === "." || name.includes("\0")) return null;
  return name;
}

/**
 * Sanitizer options for one article: a relative `src`/`href` naming one of its files becomes that file's URL,
 * any other relative one is dropped (it would point nowhere), images keep only https or their own files.
 */
function articleSanitize(files: ArticleFiles | null): sanitizeHtml.IOptions {
  const rewrite = (url: string | undefined): string | undefined => {
    if (url === undefined) return undefined;
    const name = relativeRefName(url);
    if (name === null) return url;
    return files?.names.has(name) ? files.base + name.split("/").map(encodeURIComponent).join("/") : undefined;
  };
  // Replaces (or drops) one attribute in place: the others keep their order.
  const without = (attribs: sanitizeHtml.Attributes, key: string, value: string | undefined): sanitizeHtml.Attributes =>
    Object.fromEntries(Object.entries(attribs).flatMap(([k, v]) => (k !== key ? [[k, v]] : value === undefined ? [] : [[k, value]])));
  return {
    ...SANITIZE,
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: { ...without(attribs, "href", rewrite(attribs.href)), rel: "noopener noreferrer nofollow" } }),
      img: (tagName, attribs) => {
        const src = rewrite(attribs.src);
        const own = files !== null && src?.startsWith(files.base) === true;
        return { tagName, attribs: without(attribs, "src", own || (src !== undefined && /^https:\/\//i.test(src)) ? src : undefined) };
      },
    },
  };
}

/** Markdown to sanitized HTML; with `files`, the article's relative references point to its stored files. */
export function renderMarkdown(markdown: string, files: ArticleFiles | null = null): string {
  const html = marked.parse(markdown, { async: false });
  return sanitizeHtml(html, articleSanitize(files));
}

/**
 * The relative references of an article (`![x](a.png)`, `[y](files/b.pdf)`, raw `<img src>`) that name a file
 * (with an extension), as attachment
 * names: found by the same parser and sanitizer pass that renders them, so what sync stores is what shows.
 */
export function articleReferences(markdown: string): string[] {
  const found = new Set<string>();
  const note = (url: string | undefined) => {
    const name = url === undefined ? null : relativeRefName(url);
    // Only what looks like a file (has an extension): `<img src=x>` in pasted HTML is junk, not a reference.
    if (name !== null && /\.[a-z0-9]{1,8}$/i.test(name)) found.add(name);
  };
  sanitizeHtml(marked.parse(markdown, { async: false }), {
    ...SANITIZE,
    transformTags: {
      a: (tagName, attribs) => (note(attribs.href), { tagName, attribs }),
      img: (tagName, attribs) => (note(attribs.src), { tagName, attribs }),
    },
  });
  return [...found].sort();
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

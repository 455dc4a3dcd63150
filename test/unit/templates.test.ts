import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Handlebars from "handlebars";
import { afterAll, describe, expect, it } from "vitest";
import { TEMPLATES_DIR, TemplateRenderer, type TemplateName } from "../../src/render/templates.ts";
import { findCaseTag, taggedSubject } from "../../src/threading/subject.ts";

const PARTS = ["subject", "text", "html"] as const;
// templates/portal holds the portal's page views (src/portal), not a mail locale.
const LOCALES = readdirSync(TEMPLATES_DIR).filter((d) => d !== "portal" && statSync(path.join(TEMPLATES_DIR, d)).isDirectory());
/**
 * Every template name any locale has, so a template added in one language and missing in another (English
 * included) fails below, and a template added later is covered by every test without editing this file.
 */
const ALL_NAMES = [
  ...new Set(LOCALES.flatMap((l) => readdirSync(path.join(TEMPLATES_DIR, l)).flatMap((f) => /^([a-z-]+)\.(?:subject|text|html)\.hbs$/.exec(f)?.[1] ?? []))),
].sort() as TemplateName[];
/** The portal's sign-in mails are about no case (no subject, no body from a customer): tested on their own below. */
const PORTAL_MAILS: TemplateName[] = ["sign-in", "new-sign-in"];
const NAMES = ALL_NAMES.filter((n) => !PORTAL_MAILS.includes(n));
const read = (locale: string, name: string, part: string) => readFileSync(path.join(TEMPLATES_DIR, locale, `${name}.${part}.hbs`), "utf8");
/** Templates about a case: their English subject opens with the case tag that threading depends on. */
const CASE_NAMES = NAMES.filter((n) => existsSync(path.join(TEMPLATES_DIR, "en", `${n}.subject.hbs`)) && read("en", n, "subject").startsWith("{{tag}} "));
const HELPERS = new Set(["if", "unless", "each", "with", "paragraphs", "indent"]);

const renderer = new TemplateRenderer();

/** A view shaped exactly like the one notify.service.ts builds (baseView + per-recipient fields). */
function view(over: Record<string, unknown> = {}) {
  return {
    // Knowledge base articles of an acknowledgement (src/kb/ack-articles.ts); none for other mails.
    articles: [] as { title: string; url: string }[],
    tag: "[MC-1042]",
    caseRef: "MC-1042",
    subject: "Printer on fire",
    supportName: "ACME Support",
    body: "Hello,\nthe printer in room 3 is on fire.\n\nPlease help.",
    authorName: "Jana Nováková",
    internal: false,
    fromName: "Jana Nováková",
    fromAddress: "jana@customer.test",
    groupName: "VIP",
    areaName: "Hardware",
    ownerName: "Alice Novak",
    teamName: "First line",
    priority: "HIGH",
    firstResponseDue: "2025-03-01 10:00 UTC",
    resolutionDue: "2025-03-02 10:00 UTC",
    contactName: "Jana Nováková",
    agentName: "Alice Novak",
    arrivalOnly: false,
    forAgent: false,
    /** Set only for a portal follower's update when MAILCASE_PORTAL_URL is configured. */
    caseUrl: "",
    /** The product and custom fields the recipient may see (custom-fields.ts visibleFields). */
    fields: [{ key: "contract", label: "Contract", value: "C-77" }],
    ...over,
  };
}

/** The view ingest.service.ts builds for a "message too large" notice: there is no case yet, so no tag. */
function noticeView(over: Record<string, unknown> = {}) {
  return { contactName: "Jana Nováková", supportName: "ACME Support", subject: "Printer on fire", size: "31.2 MiB", cap: "25.0 MiB", ...over };
}

/** The view ingest.service.ts builds when it refuses an agent's mail (caseRef empty when no case is known). */
function refusedView(over: Record<string, unknown> = {}) {
  return { name: "Alice Novak", supportName: "ACME Support", subject: "Re: [MC-1042] Printer on fire", caseRef: "MC-1042", reasons: ['unknown command "#stauts" (did you mean #status?)'], ...over };
}

/** The view sla-watch.service.ts builds for an SLA warning or breach mail (one per recipient). */
function slaView(over: Record<string, unknown> = {}) {
  return {
    tag: "[MC-1042]",
    caseRef: "MC-1042",
    subject: "Printer on fire",
    supportName: "ACME Support",
    breached: true,
    firstResponse: true,
    nextResponse: false,
    resolution: false,
    dueAt: "2025-03-03 10:00 Europe/Prague",
    ownerName: "Alice Novak",
    teamName: "First line",
    groupName: "VIP",
    contractName: "Gold",
    priority: "HIGH",
    severity: "MAJOR",
    recipientName: "Alice Novak",
    forAgent: true,
    ...over,
  };
}

/** The views src/portal builds for the sign-in mail (sign-in.service.ts) and the new sign-in alert (portal.routes.ts). */
function signInView(over: Record<string, unknown> = {}) {
  return { contactName: "Jana Nováková", portalName: "ACME portal", supportName: "ACME Support", link: "https://support.example.com/portal/sign-in/abc", code: "042137", ...over };
}
function newSignInView(over: Record<string, unknown> = {}) {
  return { contactName: "Jana Nováková", portalName: "ACME portal", supportName: "ACME Support", when: "2025-03-01 10:00 UTC", browser: "Firefox", signOutLink: "https://support.example.com/portal/account", ...over };
}

/** The view src/approval/approval.service.ts builds for approval requests, reminders and decisions. */
function approvalView(over: Record<string, unknown> = {}) {
  return {
    recipientName: "Alice Novak",
    tag: "[MC-1042]",
    caseRef: "MC-1042",
    subject: "Printer on fire",
    supportName: "ACME Support",
    rule: "vip-priority",
    opening: false,
    requesterName: "Bob Kowalski",
    changes: [{ field: "priority", from: "HIGH", to: "LOW" }],
    reminder: false,
    escalated: false,
    timeoutAt: "2025-03-03 10:00 UTC",
    decided: false,
    approved: false,
    timedOut: false,
    deciderName: "",
    why: "",
    ...over,
  };
}

/** The views of the automation mails (pipeline/sla/automation-run.ts, pipeline/notify/resolution.service.ts, case-mail.ts). */
const caseMailView = { tag: "[MC-1042]", caseRef: "MC-1042", subject: "Printer on fire", supportName: "ACME Support" };
function followUpView(over: Record<string, unknown> = {}) {
  return { ...caseMailView, contactName: "Jana Nováková", final: Boolean(over.internal), closed: Boolean(over.forAgent), reminder: 2, since: "2025-03-01 10:00 UTC", ...over };
}
function resolutionView(over: Record<string, unknown> = {}) {
  return {
    ...caseMailView,
    contactName: "Jana Nováková",
    solution: "Replaced the toner.\n\nIt prints again.",
    closed: Boolean(over.internal),
    rate: Boolean(over.forAgent),
    goodUrl: "https://support.example.com/satisfaction/1.2.abc?rating=good",
    badUrl: "https://support.example.com/satisfaction/1.2.abc?rating=bad",
    fields: [{ key: "contract", label: "Contract", value: "C-77" }],
    ...over,
  };
}
function agentReminderView(over: Record<string, unknown> = {}) {
  // The flags of the view cycle through the three kinds of reminder, so every branch renders.
  const kind = over.arrivalOnly ? "nudge" : over.internal ? "gaveUp" : "badRating";
  return {
    ...caseMailView,
    recipientName: "Alice Novak",
    nudge: kind === "nudge",
    gaveUp: kind === "gaveUp",
    badRating: kind === "badRating",
    resolved: Boolean(over.forAgent),
    closed: false,
    since: "2025-03-01 10:00 UTC",
    refused: over.forAgent ? "" : "a solution is required to resolve",
    comment: over.forAgent ? "Took a week." : "",
    ...over,
  };
}

/** The web form's confirmation mail (src/portal/web-form.service.ts): the subject is the sender's. */
function webFormConfirmView(over: Record<string, unknown> = {}) {
  return { name: "Jana Nováková", formTitle: "Contact support", subject: "Printer on fire", supportName: "ACME Support", link: "https://support.example.com/forms/confirm/abc", hours: 24, ...over };
}

/** The view src/kb/kb-review.service.ts builds: the review request, or the author told of the decision. */
function kbReviewView(over: Record<string, unknown> = {}) {
  const published = Boolean(over.internal);
  const rejected = !published && Boolean(over.forAgent);
  return {
    recipientName: "Alice Novak",
    tag: "[MC-1042]",
    caseRef: "MC-1042",
    subject: "Printer on fire",
    supportName: "ACME Support",
    // A case's draft is titled with the case subject.
    title: String(over.subject ?? "Printer on fire"),
    language: "en",
    authorName: over.arrivalOnly ? "" : "Bob Kowalski",
    bodyText: "Replace the **fuser**.",
    bodyHtml: "<p>Replace the <strong>fuser</strong>.</p>",
    request: !published && !rejected,
    published,
    rejected,
    portals: published ? "customers" : "",
    reviewerName: published || rejected ? "Carol" : "",
    why: rejected ? "too short" : "",
    ...(over.subject === undefined ? {} : { subject: over.subject }),
    ...(over.authorName === undefined ? {} : { authorName: over.authorName }),
  };
}

/** The realistic view for a template; notice and refusal mail are not (necessarily) about a case. */
const viewFor = (name: string, over: Record<string, unknown> = {}) =>
  name === "notice"
    ? noticeView(over)
    : name === "refused"
      ? refusedView(over)
      : name === "sla-escalation"
        ? slaView(over)
        : name === "sign-in"
          ? signInView(over)
          : name === "new-sign-in"
            ? newSignInView(over)
            : name === "follow-up"
              ? followUpView(over)
              : name === "resolution"
                ? resolutionView(over)
                : name === "agent-reminder"
                  ? agentReminderView(over)
                  : name === "approval"
                    ? approvalView(over)
                    : name === "web-form-confirm"
                      ? webFormConfirmView(over)
                      : name === "kb-review"
                        ? kbReviewView(over)
                        : view(over);

/** Every combination of the view's flags, so every {{#if}} branch of every template runs under strict mode. */
const FLAGS = [false, true].flatMap((arrivalOnly) =>
  [false, true].flatMap((internal) => [false, true].map((forAgent) => ({ arrivalOnly, internal, forAgent, ...(arrivalOnly ? { body: "" } : {}) }))),
);

/** Field names a template reads (helper names left out), from the handlebars AST. */
function fieldsOf(source: string): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== "object") return;
    const n = node as { type?: string; original?: string };
    if (n.type === "PathExpression" && n.original && !HELPERS.has(n.original)) out.add(n.original);
    for (const v of Object.values(node)) if (v && typeof v === "object") walk(v);
  };
  walk(Handlebars.parse(source));
  return out;
}

describe("template files", () => {
  it("has the locales we translate into and the templates the code sends", () => {
    expect(LOCALES.sort()).toEqual(expect.arrayContaining(["cs", "en", "pl", "zh"]));
    expect(NAMES).toEqual(expect.arrayContaining(["ack", "new-case", "reply", "update"]));
    expect(CASE_NAMES).toEqual(expect.arrayContaining(["ack", "new-case", "reply", "update"]));
  });

  it.each(LOCALES)("%s has every template and every part, and nothing else", (locale) => {
    const missing = NAMES.flatMap((name) => PARTS.map((part) => `${name}.${part}.hbs`)).filter((f) => !existsSync(path.join(TEMPLATES_DIR, locale, f)));
    expect(missing, `missing in templates/${locale}/`).toEqual([]);
    expect(readdirSync(path.join(TEMPLATES_DIR, locale)).sort()).toEqual(readdirSync(path.join(TEMPLATES_DIR, "en")).sort());
  });

  it.each(LOCALES.filter((l) => l !== "en").flatMap((l) => NAMES.flatMap((n) => PARTS.map((p) => [l, n, p] as const))))(
    "%s/%s.%s reads exactly the view fields of the English one",
    (locale, name, part) => {
      expect([...fieldsOf(read(locale, name, part))].sort()).toEqual([...fieldsOf(read("en", name, part))].sort());
    },
  );

  it.each(LOCALES.flatMap((l) => NAMES.map((n) => [l, n] as const)))("%s/%s.subject carries the case tag exactly where English does", (locale, name) => {
    const source = read(locale, name, "subject");
    if (CASE_NAMES.includes(name)) expect(source).toMatch(/^\{\{tag\}\} /);
    else expect(source).not.toContain("{{tag}}");
  });

  it.each(LOCALES.flatMap((l) => ["new-case", "update"].map((n) => [l, n] as const)))(
    "%s/%s keeps the agents' #internal / #public commands untranslated",
    (locale, name) => {
      for (const part of ["text", "html"]) {
        const en = read("en", name, part);
        for (const cmd of ["#internal", "#public"]) expect(read(locale, name, part).includes(cmd)).toBe(en.includes(cmd));
      }
    },
  );
});

describe("rendering", () => {
  it.each(LOCALES.flatMap((l) => NAMES.map((n) => [l, n] as const)))("%s/%s renders every branch without throwing", (locale, name) => {
    for (const flags of FLAGS) {
      const r = renderer.render(locale, name, viewFor(name, flags));
      expect(r.subject).toContain("Printer on fire");
      expect(r.text.trim()).not.toBe("");
      expect(r.html.trim()).not.toBe("");
      if (CASE_NAMES.includes(name) && !(name === "update" && flags.arrivalOnly)) expect(r.text).toContain("MC-1042");
    }
  });

  it.each(LOCALES.flatMap((l) => CASE_NAMES.map((n) => [l, n] as const)))("%s/%s subject keeps the case tag byte-identical", (locale, name) => {
    for (const flags of FLAGS) {
      const { subject } = renderer.render(locale, name, viewFor(name, flags));
      expect(subject.startsWith("[MC-1042] ")).toBe(true);
      expect(subject).toContain("Printer on fire");
      expect(findCaseTag("MC", subject)).toBe(1042);
      // notify.service.ts passes every subject but NEW_CASE through taggedSubject: still exactly one tag.
      const sent = name === "new-case" ? subject : taggedSubject("MC", 1042, subject);
      expect(sent.match(/\[MC-\d+\]/g)).toEqual(["[MC-1042]"]);
      expect(sent.startsWith("[MC-1042] ")).toBe(true);
    }
  });

  it("marks internal updates in the subject in every locale", () => {
    const marks: Record<string, string> = { en: "[internal]", cs: "[interní]", pl: "[wewnętrzne]", zh: "[内部]" };
    for (const [locale, mark] of Object.entries(marks)) {
      expect(renderer.render(locale, "update", view({ internal: true })).subject).toBe(`[MC-1042] ${mark} Printer on fire`);
      expect(renderer.render(locale, "update", view({ internal: false })).subject).toBe("[MC-1042] Printer on fire");
    }
  });

  it.each(LOCALES)("%s links a portal follower's update to the case only when there is a portal URL", (locale) => {
    const url = "https://support.example.com/portal/cases/1042";
    const linked = renderer.render(locale, "update", view({ caseUrl: url }));
    expect(linked.text).toContain(url);
    expect(linked.text.indexOf(url)).toBeLessThan(linked.text.indexOf("\n-- \n"));
    expect(linked.html).toContain(`<a href="${url}">`);
    const plain = renderer.render(locale, "update", view());
    expect(plain.text).not.toContain("https://");
    expect(plain.html).not.toContain("<a ");
  });

  it("escapes a customer's markup in HTML and keeps it verbatim in text and subject", () => {
    const evil = `<script>alert("x")</script> & 'quotes'`;
    for (const locale of LOCALES) {
      for (const name of NAMES) {
        const r = renderer.render(locale, name, viewFor(name, { body: evil, subject: evil, fromName: evil, contactName: evil, authorName: evil, forAgent: true }));
        expect(r.html, `${locale}/${name}.html`).not.toContain("<script");
        if (fieldsOf(read("en", name, "html")).has("body")) {
          expect(r.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quotes&#x27;");
          expect(r.text, `${locale}/${name}.text`).toContain(evil);
        }
        expect(r.subject).toContain(evil);
      }
    }
  });

  it("keeps the paragraphs of a customer's text in HTML", () => {
    const r = renderer.render("cs", "reply", view({ body: "Dobrý den,\nděkuji.\n\nS pozdravem" }));
    expect(r.html).toContain("<p>Dobrý den,<br>děkuji.</p>\n<p>S pozdravem</p>");
  });

  it("keeps Czech, Polish and Chinese characters intact", () => {
    const body = "Příliš žluťoučký kůň úpěl ďábelské ódy. Zażółć gęślą jaźń. 打印机着火了，请尽快处理。";
    const expected: Record<string, string[]> = {
      cs: ["požadavek", "Řešitel", "Vyřešení do", "přibyla soukromá zpráva"],
      pl: ["zgłoszenie", "Zespół", "Termin rozwiązania", "pojawiła się prywatna wiadomość"],
      zh: ["新工单", "负责人", "解决截止", "私密消息"],
    };
    for (const [locale, words] of Object.entries(expected)) {
      const text = NAMES.map((n) => renderer.render(locale, n, viewFor(n, { body, subject: body }))).concat(renderer.render(locale, "update", view({ arrivalOnly: true, body: "" })));
      const all = text.map((r) => r.subject + r.text + r.html).join("\n");
      for (const w of words) expect(all, locale).toContain(w);
      const reply = renderer.render(locale, "reply", view({ body, subject: body }));
      expect(reply.text).toContain(body);
      expect(reply.html).toContain(body);
      expect(reply.subject).toBe(`[MC-1042] ${body}`);
      expect(all).not.toContain("\uFFFD");
    }
  });
});

describe("SLA escalation mail", () => {
  const METRICS = [
    { firstResponse: true, nextResponse: false, resolution: false },
    { firstResponse: false, nextResponse: true, resolution: false },
    { firstResponse: false, nextResponse: false, resolution: true },
  ];
  const words: Record<string, { breached: string; risk: string; metrics: [string, string, string] }> = {
    en: { breached: "SLA breached", risk: "SLA at risk", metrics: ["first response", "next response", "resolution"] },
    cs: { breached: "SLA porušeno", risk: "SLA v ohrožení", metrics: ["první reakce", "další reakce", "vyřešení"] },
    pl: { breached: "SLA naruszone", risk: "SLA zagrożone", metrics: ["pierwsza odpowiedź", "kolejna odpowiedź", "rozwiązanie"] },
    zh: { breached: "SLA 已超时", risk: "SLA 即将超时", metrics: ["首次响应", "后续响应", "解决"] },
  };

  it.each(Object.keys(words))("%s names the kind and the metric in the subject, and the due time in the body, for every branch", (locale) => {
    const w = words[locale]!;
    for (const breached of [false, true]) {
      METRICS.forEach((metric, i) => {
        for (const forAgent of [false, true]) {
          const r = renderer.render(locale, "sla-escalation", slaView({ breached, forAgent, ...metric }));
          expect(r.subject.startsWith("[MC-1042] ")).toBe(true);
          expect(r.subject).toContain(breached ? w.breached : w.risk);
          expect(r.subject).toContain(w.metrics[i]);
          expect(r.subject).toContain("Printer on fire");
          for (const part of [r.text, r.html]) {
            expect(part).toContain("2025-03-03 10:00 Europe/Prague");
            expect(part).toContain("MC-1042");
            expect(part).toContain("Alice Novak");
          }
          // Only agents get our signed reply address, so only they are told that answering adds a note.
          expect(r.text.includes("\n-- \n")).toBe(forAgent);
        }
      });
    }
  });
});

describe("approval mails", () => {
  const variants: Array<[string, Record<string, unknown>]> = [
    ["request", {}],
    ["reminder", { reminder: true }],
    ["escalated", { escalated: true }],
    ["opening", { opening: true, changes: [] }],
    ["approved", { decided: true, approved: true, deciderName: "Dana Li" }],
    ["rejected", { decided: true, deciderName: "Dana Li", why: "contract says no" }],
    ["timed out", { decided: true, timedOut: true }],
  ];
  it.each(LOCALES.flatMap((l) => variants.map(([n, v]) => [l, n, v] as const)))("%s/%s renders, with the tag and what to do", (locale, name, over) => {
    const r = renderer.render(locale, "approval", approvalView(over));
    expect(r.subject.startsWith("[MC-1042] ")).toBe(true);
    const decided = over.decided === true;
    // Approvers are told how to answer; the requester of a decided request is not asked anything.
    expect(r.text.includes("#approve")).toBe(!decided);
    if (!decided && over.opening !== true) expect(r.text).toContain("priority: HIGH -> LOW");
    if (over.why) expect(r.text).toContain("contract says no");
  });
});

describe("locale resolution", () => {
  it.each([
    ["cs-CZ", "cs"],
    ["cs_CZ", "cs"],
    ["CS", "cs"],
    ["cs_CZ.UTF-8", "cs"],
    ["pl_PL", "pl"],
    ["pl-pl", "pl"],
    ["zh", "zh"],
    ["zh-Hans", "zh"],
    ["zh-CN", "zh"],
    ["zh_Hans_CN", "zh"],
    ["EN", "en"],
    ["en-GB", "en"],
    ["en", "en"],
    ["de-DE", "en"],
    ["xx", "en"],
    ["", "en"],
    [" cs ", "cs"],
  ])("%j → %s", (input, expected) => {
    expect(renderer.resolveLocale(input)).toBe(expected);
    expect(renderer.render(input, "update", view({ forAgent: true }))).toEqual(renderer.render(expected, "update", view({ forAgent: true })));
  });

  it("renders an unknown locale in English and cs-CZ in Czech", () => {
    expect(renderer.render("xx-YY", "ack", view()).text).toMatch(/^Hello Jana Nováková,/);
    expect(renderer.render("cs-CZ", "ack", view()).text).toMatch(/^Dobrý den Jana Nováková,/);
    expect(renderer.render("zh-Hans", "new-case", view()).subject).toBe("[MC-1042] 新工单：Printer on fire");
    expect(renderer.render("pl_PL", "new-case", view()).subject).toBe("[MC-1042] Nowe zgłoszenie: Printer on fire");
  });

  it("throws on a view missing a field (strict mode), in every locale", () => {
    for (const locale of LOCALES) {
      const { caseRef: _drop, ...partial } = view();
      expect(() => renderer.render(locale, "reply", partial)).toThrow(/caseRef/);
    }
  });
});

describe("compile once", () => {
  const tmp = mkdtempSync(path.join(tmpdir(), "mailcase-templates-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("reads the files only when constructed, and skips stray files beside the locale folders", () => {
    const dir = path.join(tmp, "templates");
    cpSync(TEMPLATES_DIR, dir, { recursive: true });
    cpSync(path.join(TEMPLATES_DIR, "en", "ack.text.hbs"), path.join(dir, "README.hbs"));
    const r = new TemplateRenderer(dir);
    expect([...r.locales].sort()).toEqual([...LOCALES].sort());
    const before = r.render("pl-PL", "update", view({ internal: true, forAgent: true }));
    rmSync(dir, { recursive: true, force: true });
    expect(r.render("pl-PL", "update", view({ internal: true, forAgent: true }))).toEqual(before);
  });
});

describe("portal sign-in mails", () => {
  it.each(LOCALES.flatMap((l) => PORTAL_MAILS.map((n) => [l, n] as const)))("%s/%s reads exactly the view fields of the English one and renders", (locale, name) => {
    for (const part of PARTS) expect(fieldsOf(read(locale, name, part))).toEqual(fieldsOf(read("en", name, part)));
    const r = renderer.render(locale, name, viewFor(name));
    expect(r.subject).toContain("ACME portal");
    expect(r.text.trim()).not.toBe("");
  });

  it.each(LOCALES)("%s: the sign-in mail carries the link and the code in text and HTML, the code in the subject", (locale) => {
    const r = renderer.render(locale, "sign-in", signInView());
    for (const part of [r.text, r.html]) {
      expect(part).toContain("https://support.example.com/portal/sign-in/abc");
      expect(part).toContain("042137");
    }
    expect(r.subject).toContain("042137");
    expect(r.html).toContain('<a href="https://support.example.com/portal/sign-in/abc">');
  });
});

describe("knowledge base articles in the acknowledgement", () => {
  const articles = [
    { title: "Replace the fuser", url: "https://support.example.com/portal/kb/articles/7-replace-the-fuser" },
    { title: "Paper jams", url: "https://support.example.com/portal/kb/articles/9-paper-jams" },
  ];
  it.each(LOCALES)("%s lists each article with its link, and nothing without articles", (locale) => {
    const r = renderer.render(locale, "ack", view({ articles }));
    for (const a of articles) {
      expect(r.text).toContain(`- ${a.title}: ${a.url}`);
      expect(r.html).toContain(`<li><a href="${a.url}">${a.title}</a></li>`);
    }
    const none = renderer.render(locale, "ack", view());
    expect(none.text).not.toContain("https://");
    expect(none.html).not.toContain("<ul>");
  });
});

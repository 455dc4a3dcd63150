/**
 * The knowledge base pages' words in the portal's four languages. Kept beside the knowledge base (not in
 * src/portal/i18n.ts) so the two modules change independently; the page gets them as `kb.*` in its data.
 */
import type { KbLanguage } from "./visibility.ts";

const en = {
  title: "Knowledge base",
  intro: "Find answers to common questions.",
  searchLabel: "Search the knowledge base",
  search: "Search",
  categories: "Categories",
  subcategories: "Sub-categories",
  articles: "Articles",
  noArticles: "No articles here yet.",
  resultsFor: "Results for “{q}”",
  noResults: "No article matches “{q}”. Try other words, or open a case.",
  helpfulQuestion: "Was this article helpful?",
  yes: "Yes",
  no: "No",
  thanks: "Thank you for your feedback.",
  updated: "Updated",
  home: "Knowledge base",
  suggestions: "These articles may answer your question:",
  openCase: "Open a case",
};
type KbMessages = Record<keyof typeof en, string>;

const cs: KbMessages = {
  title: "Znalostní báze",
  intro: "Odpovědi na časté dotazy.",
  searchLabel: "Hledat ve znalostní bázi",
  search: "Hledat",
  categories: "Kategorie",
  subcategories: "Podkategorie",
  articles: "Články",
  noArticles: "Zatím tu nejsou žádné články.",
  resultsFor: "Výsledky pro „{q}“",
  noResults: "Hledanému „{q}“ neodpovídá žádný článek. Zkuste jiná slova nebo založte požadavek.",
  helpfulQuestion: "Pomohl vám tento článek?",
  yes: "Ano",
  no: "Ne",
  thanks: "Děkujeme za zpětnou vazbu.",
  updated: "Aktualizováno",
  home: "Znalostní báze",
  suggestions: "Odpověď možná najdete v těchto článcích:",
  openCase: "Založit požadavek",
};

const pl: KbMessages = {
  title: "Baza wiedzy",
  intro: "Odpowiedzi na częste pytania.",
  searchLabel: "Szukaj w bazie wiedzy",
  search: "Szukaj",
  categories: "Kategorie",
  subcategories: "Podkategorie",
  articles: "Artykuły",
  noArticles: "Nie ma tu jeszcze artykułów.",
  resultsFor: "Wyniki dla „{q}”",
  noResults: "Żaden artykuł nie pasuje do „{q}”. Spróbuj innych słów lub utwórz zgłoszenie.",
  helpfulQuestion: "Czy ten artykuł był pomocny?",
  yes: "Tak",
  no: "Nie",
  thanks: "Dziękujemy za opinię.",
  updated: "Zaktualizowano",
  home: "Baza wiedzy",
  suggestions: "Te artykuły mogą odpowiedzieć na Twoje pytanie:",
  openCase: "Utwórz zgłoszenie",
};

const zh: KbMessages = {
  title: "知识库",
  intro: "常见问题的解答。",
  searchLabel: "搜索知识库",
  search: "搜索",
  categories: "分类",
  subcategories: "子分类",
  articles: "文章",
  noArticles: "这里还没有文章。",
  resultsFor: "“{q}”的搜索结果",
  noResults: "没有与“{q}”匹配的文章。请换个词，或提交工单。",
  helpfulQuestion: "这篇文章对您有帮助吗？",
  yes: "有帮助",
  no: "没有帮助",
  thanks: "感谢您的反馈。",
  updated: "更新于",
  home: "知识库",
  suggestions: "这些文章或许能解答您的问题：",
  openCase: "提交工单",
};

const MESSAGES: Record<KbLanguage, KbMessages> = { en, cs, pl, zh };

/** All words of a language, `{q}`-style placeholders filled from `params`. */
export function kbWords(lang: KbLanguage, params: Record<string, string> = {}): KbMessages {
  const m = MESSAGES[lang];
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v.replace(/\{(\w+)\}/g, (all, name: string) => params[name] ?? all)])) as KbMessages;
}

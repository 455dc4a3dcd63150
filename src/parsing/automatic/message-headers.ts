/** Header look-ups the classifiers share. Pure. */
import type { ParsedMessage } from "../parsed-message.ts";

export const header = (msg: ParsedMessage, name: string): string[] => msg.headers[name] ?? [];
export const first = (msg: ParsedMessage, name: string): string | null => header(msg, name)[0]?.trim() ?? null;

/** Parameter of the top-level Content-Type (report-type=…), lower-cased. */
export function contentTypeParam(msg: ParsedMessage, param: string): string | null {
  const value = first(msg, "content-type") ?? "";
  const m = new RegExp(`[;\\s]${param}\\s*=\\s*"?([^";\\s]+)`, "i").exec(value);
  return m?.[1]?.toLowerCase() ?? null;
}

/** A header whose mere presence with a value other than no/false/0 marks the message automatic. */
export function flagHeader(msg: ParsedMessage, name: string): boolean {
  return header(msg, name).some((v) => !/^\s*(no|false|0|off)\s*$/i.test(v));
}

/**
 * Which account a contact belongs to, by the configuration. Pure.
 *
 * A contact listed with `account` belongs to it, whatever its domain. Any other contact whose mail domain an
 * account lists in `domains` joins that account (the first account listing the domain, as mail ingest does).
 * Re-derived on every `config apply`, so a contact met before its domain was given to an account joins it
 * then. A contact whose domain no account lists keeps what it has: nothing in the file speaks about it.
 */
export interface AccountDomains {
  key: string;
  domains: readonly string[];
}

export function domainOf(email: string): string {
  return email.slice(email.lastIndexOf("@") + 1).toLowerCase();
}

/** The first account listing each domain. */
export function accountsByDomain(accounts: readonly AccountDomains[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of accounts) for (const d of a.domains) if (!out.has(d.toLowerCase())) out.set(d.toLowerCase(), a.key);
  return out;
}

export type DerivedAccount = { account: string; why: "listed" | "domain" } | { account: null; why: "none" };

/** The account of a contact listed in the configuration. */
export function contactAccount(contact: { email: string; account?: string | undefined }, byDomain: ReadonlyMap<string, string>): DerivedAccount {
  if (contact.account !== undefined) return { account: contact.account, why: "listed" };
  const key = byDomain.get(domainOf(contact.email));
  return key === undefined ? { account: null, why: "none" } : { account: key, why: "domain" };
}

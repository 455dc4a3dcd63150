import { describe, expect, it } from "vitest";
import { accountsByDomain, contactAccount } from "../../src/config/contact-accounts.ts";

const byDomain = accountsByDomain([
  { key: "acme", domains: ["acme.test", "acme-eu.test"] },
  { key: "globex", domains: ["globex.test", "acme.test"] },
]);

describe("the account of a configured contact", () => {
  it.each([
    ["listed account wins over the domain", { email: "a@acme.test", account: "globex" }, { account: "globex", why: "listed" }],
    ["domain of an account joins it", { email: "b@acme-eu.test" }, { account: "acme", why: "domain" }],
    ["a domain two accounts list goes to the first", { email: "c@acme.test" }, { account: "acme", why: "domain" }],
    ["domain case does not matter", { email: "d@GLOBEX.test" }, { account: "globex", why: "domain" }],
    ["a subdomain is another domain", { email: "e@mail.acme.test" }, { account: null, why: "none" }],
    ["no account lists the domain", { email: "f@example.test" }, { account: null, why: "none" }],
  ])("%s", (_name, contact, expected) => {
    expect(contactAccount(contact, byDomain)).toEqual(expected);
  });
});

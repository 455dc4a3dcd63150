/**
 * Contacts join the account of their domain on `config apply`: a listed contact without `account`, and a
 * contact met earlier (by mail) whose domain is only later given to an account. A contact listed with an
 * explicit account keeps it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyConfig } from "../../src/config/apply-config.ts";
import { labConfig, rand, startApp, type App } from "../support/harness.ts";

describe("contacts and the account of their domain", () => {
  const id = rand();
  const early = `early-${id}@initech.test`;
  const listed = `listed-${id}@initech.test`;
  const pinned = `pinned-${id}@initech.test`;
  const before = labConfig(id);
  const after = labConfig(id, (doc) => {
    (doc.accounts as unknown[]).push({ key: "initech", name: "Initech", domains: ["initech.test"] });
    (doc.contacts as unknown[]).push({ email: listed, name: "Listed" }, { email: pinned, account: "acme" });
  });
  let app: App;
  beforeAll(async () => {
    app = await startApp(before, { roles: [] });
  });
  afterAll(async () => app?.close());

  it("re-derives an existing contact's account when its domain is given to an account, and places listed contacts", async () => {
    const db = app.rt.deps.db;
    // Met by mail before initech was an account: no account.
    await db.contact.create({ data: { email: early } });
    await applyConfig(db, after);
    const accountOf = async (email: string) => (await db.contact.findUniqueOrThrow({ where: { email }, include: { account: true } })).account?.key ?? null;
    expect(await accountOf(early)).toBe("initech");
    expect(await accountOf(listed)).toBe("initech");
    expect(await accountOf(pinned)).toBe("acme");
    // Idempotent: applying again changes nothing.
    await applyConfig(db, after);
    expect([await accountOf(early), await accountOf(listed), await accountOf(pinned)]).toEqual(["initech", "initech", "acme"]);
  });
});

/**
 * Resolution mail and satisfaction on the real services: an agent resolves a case by email, the customer gets
 * the solution in their language with two signed links; over HTTP (Fastify inject) a GET only asks to confirm,
 * the POST records the rating once per case, a comment follows once; a bad rating mails the owner and the team
 * lead; ratings are case events and in /metrics; forged or tampered links are refused; closing the resolved
 * case mails nothing more.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCase } from "../../src/api/read-case.ts";
import { webOptions } from "../../src/app/runtime.ts";
import { actingAgentByKey } from "../../src/case/acting-agent.ts";
import { showCase } from "../../src/cli/case-view.ts";
import { secretRing } from "../../src/config/secrets.ts";
import { signSatisfaction } from "../../src/links/signed-links.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { inbox, labConfig, rand, sendMail, startApp, waitFor, waitForMail, type App } from "../support/harness.ts";

describe("resolution mail and satisfaction ratings", () => {
  const id = rand();
  const vip = `vip-${id}@customer.test`;
  const alice = `alice-${id}@helpdesk.test`;
  const bob = `bob-${id}@helpdesk.test`;
  const cfg = labConfig(id, (doc) => {
    (doc.contacts as unknown[]).push({ email: vip, name: "Věra VIP", locale: "cs" });
    (doc.teams as Array<Record<string, unknown>>).find((t) => t.key === "vip-desk")!.lead = "bob";
    doc.caseFields = [
      { key: "contract", label: { en: "Contract", cs: "Smlouva" }, type: "text", visibility: "customer" },
      { key: "margin", label: "Margin", type: "number", visibility: "agent" },
    ];
  });
  let app: App;
  let web: FastifyInstance;
  let caseId = 0;
  let number = 0;
  let goodPath = "";
  let badPath = "";
  let agentReply: (text: string) => Promise<string>;

  const db = () => app.rt.deps.db;
  const processed = (messageId: string) => waitFor(() => db().inboundMessage.findFirst({ where: { messageId, status: { not: "PENDING" } } }), `inbound ${messageId}`);

  beforeAll(async () => {
    app = await startApp(cfg);
    web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env));
    await sendMail({ from: `"Věra VIP" <${vip}>`, to: app.support, subject: "Toner došel", text: "Tiskárna hlásí prázdný toner." });
    const c = await waitFor(() => db().case.findFirst({ where: { subject: "Toner došel" } }), "case");
    caseId = c.id;
    number = Number(c.number);
    const notice = await waitForMail(alice, (m) => m.subject?.includes(`[MC-${number}] New case`) ?? false, "new-case notice");
    agentReply = (text) => sendMail({ from: alice, to: notice.replyTo!.value[0]!.address!, subject: `Re: [MC-${number}] New case`, inReplyTo: notice.messageId!, text });
  });
  afterAll(async () => {
    await web?.close();
    await app?.close();
  });

  it("mails the customer the solution in their language with a good and a bad link when the case is resolved", async () => {
    // Field values as an agent set them: the customer's mail lists the customer-visible one only.
    await db().case.update({ where: { id: caseId }, data: { customFields: { contract: `K-${id}`, margin: 4242.17 } } });
    await processed(await agentReply("#resolve Vyměnili jsme toner."));
    expect((await db().case.findUniqueOrThrow({ where: { id: caseId } })).status).toBe("RESOLVED");
    const mail = await waitForMail(vip, (m) => m.subject === `[MC-${number}] Vyřešeno: Toner došel`, "resolution mail");
    expect(mail.text).toContain("> Vyměnili jsme toner.");
    expect(mail.text).toContain(`Smlouva: K-${id}`);
    expect(String(mail.html)).toContain(`Smlouva: K-${id}`);
    expect(mail.text).not.toContain("4242");
    expect(String(mail.html)).not.toContain("Margin");
    const links = [...mail.text!.matchAll(/http:\/\/127\.0\.0\.1:\d+(\/satisfaction\/\S+)/g)].map((m) => m[1]!);
    expect(links).toHaveLength(2);
    goodPath = links.find((l) => l.endsWith("rating=good"))!;
    badPath = links.find((l) => l.endsWith("rating=bad"))!;
    expect(goodPath.split("?")[0]).toBe(badPath.split("?")[0]);
    expect(await db().caseEvent.count({ where: { caseId, type: "resolution.mailed" } })).toBe(1);
  }, 60_000);

  it("asks to confirm on GET and records nothing (link scanners do not vote)", async () => {
    const res = await web.inject({ method: "GET", url: badPath });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("Ohodnotit vyřízení požadavku jako špatné?");
    expect(res.body).toContain(`<form method="post" action="${badPath.split("?")[0]}">`);
    expect(await db().satisfactionRating.count({ where: { caseId } })).toBe(0);
  });

  it("refuses forged and tampered links", async () => {
    const token = badPath.split("?")[0]!.split("/").pop()!;
    const [c, contact, sig] = token.split(".");
    const other = await db().case.create({ data: { subject: "Other", description: "", areaId: (await db().area.findFirstOrThrow()).id, routing: {} } });
    await db().caseContact.create({ data: { caseId: other.id, contactId: Number(contact), role: "REQUESTER" } });
    const forged = [
      // The signature of this case on another case of the same contact.
      `${other.id}.${contact}.${sig}`,
      // One character of the signature changed.
      `${c}.${contact}.${sig!.slice(0, -1)}${sig!.endsWith("A") ? "B" : "A"}`,
      // Signed with another secret.
      signSatisfaction(secretRing("not-our-secret"), { caseId: other.id, contactId: Number(contact) }),
      `${other.id}.${contact}.`,
    ];
    for (const t of forged) {
      expect((await web.inject({ method: "GET", url: `/satisfaction/${t}?rating=bad` })).statusCode, t).toBe(404);
      expect((await web.inject({ method: "POST", url: `/satisfaction/${t}`, payload: "rating=bad", headers: { "content-type": "application/x-www-form-urlencoded" } })).statusCode, t).toBe(404);
    }
    expect(await db().satisfactionRating.count()).toBe(0);
  });

  it("records a bad rating once, on the case, and tells the owner and the team lead", async () => {
    const post = (path: string, payload: string) => web.inject({ method: "POST", url: path, payload, headers: { "content-type": "application/x-www-form-urlencoded" } });
    const res = await post(badPath.split("?")[0]!, "rating=bad");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("Děkujeme, vaše hodnocení je zaznamenáno.");
    expect(res.body).toContain('name="comment"');
    expect(await db().satisfactionRating.findUniqueOrThrow({ where: { caseId } })).toMatchObject({ rating: "BAD", comment: null });
    // Once per case: a second vote (even the other link) changes nothing.
    const again = await post(goodPath.split("?")[0]!, "rating=good");
    expect(again.statusCode).toBe(409);
    expect((await db().satisfactionRating.findUniqueOrThrow({ where: { caseId } })).rating).toBe("BAD");
    expect(await db().caseEvent.findFirstOrThrow({ where: { caseId, type: "satisfaction.rated" } })).toMatchObject({ data: { rating: "BAD", notified: [alice, bob] } });
    for (const agent of [alice, bob]) await waitForMail(agent, (m) => m.subject === `[MC-${number}] Bad rating: Toner došel`, `bad rating notice to ${agent}`);

    const comment = await post(`${badPath.split("?")[0]}/comment`, `comment=${encodeURIComponent("Trvalo to týden.")}`);
    expect(comment.statusCode).toBe(200);
    expect((await db().satisfactionRating.findUniqueOrThrow({ where: { caseId } })).comment).toBe("Trvalo to týden.");
    expect((await post(`${badPath.split("?")[0]}/comment`, "comment=again")).statusCode).toBe(409);
    const withComment = await waitForMail(alice, (m) => (m.subject === `[MC-${number}] Bad rating: Toner došel` && m.text?.includes("> Trvalo to týden.")) ?? false, "comment notice");
    expect(withComment.text).toContain("rated the handling of case");
    expect(await db().caseEvent.count({ where: { caseId, type: "satisfaction.commented" } })).toBe(1);
  }, 60_000);

  it("shows the rating and its comment in `mailcase case N` and in the API's case", async () => {
    expect((await showCase(db(), number))?.satisfaction).toMatchObject({ rating: "BAD", comment: "Trvalo to týden." });
    const viaApi = await getCase(db(), (await actingAgentByKey(db(), "alice"))!, number);
    expect(viaApi.ok && (viaApi.case as { satisfaction: unknown }).satisfaction).toMatchObject({ rating: "BAD", comment: "Trvalo to týden." });
  });

  it("counts ratings in /metrics", async () => {
    const res = await web.inject({ method: "GET", url: "/metrics" });
    expect(res.body).toContain('mailcase_satisfaction_ratings{rating="BAD",commented="true"} 1');
    expect(res.body).toContain('mailcase_satisfaction_ratings{rating="GOOD",commented="false"} 0');
  });

  it("does not mail the solution again when the resolved case is closed", async () => {
    await processed(await agentReply("#close Vyměnili jsme toner."));
    expect((await db().case.findUniqueOrThrow({ where: { id: caseId } })).status).toBe("CLOSED");
    await new Promise((r) => setTimeout(r, 2000));
    expect(await db().caseEvent.count({ where: { caseId, type: "resolution.mailed" } })).toBe(1);
    expect((await inbox(vip)).filter((m) => m.subject?.startsWith(`[MC-${number}] Uzavřeno`))).toHaveLength(0);
  }, 60_000);
});

/**
 * Custom fields where customers and agents read them, on the real services: the acknowledgement mail and the
 * portal's case page show a customer only customer-visible fields (never the agent-only `margin`), the
 * agents' new-case notice shows all of them, and an agent sets fields and the product by mail (`#set`,
 * `#product`), a wrong value refused whole and explained back.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webOptions } from "../../src/app/runtime.ts";
import { actingAgentByKey } from "../../src/case/acting-agent.ts";
import { createCase } from "../../src/case/ops/create-case.ts";
import { CreateCaseInput } from "../../src/case/ops/schemas.ts";
import { opsDepsOf } from "../../src/pipeline/case-effects.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { FIELDS_CONFIG } from "../support/case-fields.ts";
import { labConfig, rand, sendMail, startApp, testEnv, waitFor, waitForMail, type App } from "../support/harness.ts";
import { signIn } from "../support/portal.ts";

describe("custom fields in mail and on the portal", () => {
  const id = rand();
  const customer = `pat-${id}@acme.test`;
  const bob = `bob-${id}@helpdesk.test`;
  const contract = `CONTRACT-${id}`;
  /** The agent-only value: it must never reach the customer. */
  const margin = 4242.17;
  let app: App;
  let web: FastifyInstance;
  let number = 0;
  let caseId = 0;
  const db = () => app.rt.deps.db;

  beforeAll(async () => {
    app = await startApp(
      labConfig(id, (cfg) => {
        FIELDS_CONFIG(cfg, customer);
        cfg.portals = [{ key: "customers", path: "/portal", name: "Test portal" }];
      }),
      { env: testEnv() },
    );
    web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, { publicUrl: "http://127.0.0.1:8080", pageRatePerMinute: 1_000_000 }));
    const agent = await actingAgentByKey(db(), "alice");
    const input = CreateCaseInput.parse({ requester: { email: customer }, subject: `Fields by mail ${id}`, description: "Camera flickers.", acknowledge: true, fields: { contract, margin, seats: 3 }, product: "CAM-1" });
    const created = await createCase(opsDepsOf(app.rt.deps), agent!, input);
    if (!created.ok) throw new Error(created.reason);
    number = created.number;
    caseId = created.caseId;
  });
  afterAll(async () => {
    await web?.close();
    await app?.close();
  });

  it("the customer's acknowledgement shows customer-visible fields and the product, never an agent-only field", async () => {
    const ack = await waitForMail(customer, (m) => m.subject?.includes(`[MC-${number}]`) ?? false, "acknowledgement");
    expect(ack.text).toContain(`Contract: ${contract}`);
    expect(ack.text).toContain("Product: Camera One (CAM-1)");
    expect(ack.text).not.toContain(String(margin));
    expect(ack.text).not.toContain("Margin");
    expect(String(ack.html)).not.toContain(String(margin));
  });

  it("the agents' new-case notice shows every field", async () => {
    const notice = await waitForMail(bob, (m) => m.subject?.includes(`[MC-${number}] New case`) ?? false, "new-case notice");
    expect(notice.text).toContain(`Margin: ${margin}`);
    expect(notice.text).toContain(`Contract: ${contract}`);
    expect(notice.text).toContain("seats: 3");
  });

  it("the portal's case page shows customer-visible fields only", async () => {
    const b = await signIn(web, db(), customer);
    const page = await b.get(`/portal/cases/${number}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(contract);
    expect(page.body).toContain("Camera One (CAM-1)");
    expect(page.body).not.toContain(String(margin));
    expect(page.body).not.toContain("Margin");
    expect(page.body).not.toContain('data-field="seats"');
  });

  it("an agent sets fields and the product by mail; a wrong value is refused whole and explained back", async () => {
    const notice = await waitForMail(bob, (m) => m.subject?.includes(`[MC-${number}] New case`) ?? false, "new-case notice");
    const replyTo = notice.replyTo!.value[0]!.address!;
    const say = (text: string) => sendMail({ from: `"Bob Kowalski" <${bob}>`, to: replyTo, subject: `Re: [MC-${number}] New case`, inReplyTo: notice.messageId!, text });
    const processed = (messageId: string) => waitFor(() => db().inboundMessage.findFirst({ where: { messageId, status: { not: "PENDING" } } }), `inbound ${messageId}`);

    const refused = await processed(await say("#set seats many\n#product none\n\nUpdating."));
    expect(refused.status).toBe("QUARANTINED");
    const back = await waitForMail(bob, (m) => (m.subject?.startsWith("Not filed:") && m.text?.includes("seats")) ?? false, "explanation");
    expect(back.text).toContain('#set seats: "many" is not a number');
    const unchanged = await db().case.findUniqueOrThrow({ where: { id: caseId } });
    expect(unchanged.customFields).toMatchObject({ seats: 3 });
    expect(unchanged.productId).not.toBeNull();

    const ok = await processed(await say("#set seats 12\n#set onsite yes\n#product none\n\nSet by mail."));
    expect(ok.status).not.toBe("QUARANTINED");
    const c = await db().case.findUniqueOrThrow({ where: { id: caseId } });
    expect(c.customFields).toEqual({ contract, margin, seats: 12, onsite: true });
    expect(c.productId).toBeNull();
    const events = (await db().caseEvent.findMany({ where: { caseId, type: "case.changed" } })).map((e) => e.data);
    expect(events).toEqual(expect.arrayContaining([expect.objectContaining({ field: "field.seats", from: 3, to: 12 }), expect.objectContaining({ field: "product", from: "CAM-1", to: null })]));
  });

  it("the customer's mail of an agent's public answer shows customer-visible fields, never agent-only ones", async () => {
    // The answer "Set by mail." above is public: the customer gets it as a REPLY, with the fields as they now are.
    const reply = await waitForMail(customer, (m) => (m.subject?.includes(`[MC-${number}]`) && m.text?.includes("Set by mail.")) ?? false, "the agent's answer");
    expect(reply.text).toContain(`Contract: ${contract}`);
    expect(String(reply.html)).toContain(`Contract: ${contract}`);
    for (const agentOnly of [String(margin), "Margin", "seats", "onsite"]) {
      expect(reply.text).not.toContain(agentOnly);
      expect(String(reply.html)).not.toContain(agentOnly);
    }
  });
});

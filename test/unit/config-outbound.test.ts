import { describe, expect, it } from "vitest";
import { HelpdeskConfigError, parseHelpdeskConfig } from "../../src/config/helpdesk-config.ts";
import { composeHeaders, isOwnMessageId } from "../../src/case/compose.ts";
import { isPermanentDeliveryError } from "../../src/pipeline/send/delivery-error.ts";
import { messageIdOf } from "../../src/pipeline/poll/raw-headers.ts";

const minimal = () => ({
  settings: { defaultArea: "helpdesk" },
  areas: [{ key: "helpdesk", name: "Helpdesk" }],
  mailboxes: [{ key: "support", address: "Support@Helpdesk.test", name: "S", imap: { host: "h", port: 143, user: "u", password: "p" } }],
  agents: [{ key: "alice", name: "Alice", email: "alice@helpdesk.test" }],
});

describe("helpdesk configuration", () => {
  it("accepts a minimal file and normalises addresses and durations", () => {
    const cfg = parseHelpdeskConfig({
      ...minimal(),
      slaContracts: [{ key: "gold", name: "Gold", targets: { HIGH: { firstResponse: "90m", resolution: "2d" }, LOW: { firstResponse: 30, resolution: "4h" } } }],
    });
    expect(cfg.mailboxes[0]!.address).toBe("support@helpdesk.test");
    expect(cfg.slaContracts[0]!.targets.HIGH).toEqual({ firstResponse: 90, resolution: 2880 });
    expect(cfg.slaContracts[0]!.targets.LOW).toEqual({ firstResponse: 30, resolution: 240 });
    expect(cfg.settings.caseTagPrefix).toBe("MC");
  });

  it("names the field of every unknown reference", () => {
    const doc = {
      ...minimal(),
      customerGroups: [{ key: "vip", name: "VIP", sla: "platinum", responsibilities: { helpdesk: { agent: "alcie" } } }],
    };
    try {
      parseHelpdeskConfig(doc, "lab.yaml");
      expect.fail("should not validate");
    } catch (err) {
      expect(err).toBeInstanceOf(HelpdeskConfigError);
      const issues = (err as HelpdeskConfigError).issues;
      expect(issues).toContain('customerGroups.0.sla: unknown SLA contract "platinum"');
      expect(issues).toContain('customerGroups.0.responsibilities.helpdesk.agent: unknown agent "alcie"');
      expect((err as Error).message).toContain("lab.yaml");
    }
  });

  it("rejects a bad duration, a bad address and an unknown field", () => {
    const doc = {
      ...minimal(),
      agents: [{ key: "alice", name: "Alice", email: "not-an-address", colour: "red" }],
      slaContracts: [{ key: "s", name: "S", targets: { HIGH: { firstResponse: "soon", resolution: "1h" } } }],
    };
    let issues: string[] = [];
    try {
      parseHelpdeskConfig(doc);
    } catch (err) {
      issues = (err as HelpdeskConfigError).issues;
    }
    expect(issues.some((i) => i.startsWith("agents.0.email:"))).toBe(true);
    expect(issues.some((i) => i.startsWith("agents.0:") && i.includes("colour"))).toBe(true);
    expect(issues).toContain('slaContracts.0.targets.HIGH.firstResponse: "soon" is not a duration (use e.g. 30m, 4h, 2d)');
  });

  it("refuses a contact that is an agent's address (agents must never be filed as customers)", () => {
    expect(() => parseHelpdeskConfig({ ...minimal(), contacts: [{ email: "alice@helpdesk.test" }] })).toThrow(/contacts\.0\.email/);
  });
});

describe("outbound headers", () => {
  const base = { caseId: 7, postId: 9, recipientKey: "c3", domain: "helpdesk.test", threadIds: ["root@cust.test"], parentId: "last@cust.test" };

  it("gives every mail a deterministic Message-ID in our domain", () => {
    const a = composeHeaders({ ...base, kind: "ACK" });
    expect(a.messageId).toBe(composeHeaders({ ...base, kind: "ACK" }).messageId);
    expect(isOwnMessageId(a.messageId, ["helpdesk.test"])).toBe(true);
    expect(isOwnMessageId("abc@gmail.com", ["helpdesk.test"])).toBe(false);
  });

  it("threads under the case: In-Reply-To the parent, References from the root", () => {
    const h = composeHeaders({ ...base, kind: "REPLY" });
    expect(h.inReplyTo).toBe("last@cust.test");
    expect(h.references).toEqual(["root@cust.test", "last@cust.test"]);
  });

  it("marks automatic mail so auto-responders stay quiet, and leaves agents' replies human", () => {
    expect(composeHeaders({ ...base, kind: "ACK" }).headers).toMatchObject({ "Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All" });
    expect(composeHeaders({ ...base, kind: "UPDATE" }).headers).toMatchObject({ "Auto-Submitted": "auto-generated" });
    expect(composeHeaders({ ...base, kind: "REPLY" }).headers["Auto-Submitted"]).toBeUndefined();
  });

  it("keeps References short on long threads, root first", () => {
    const threadIds = Array.from({ length: 30 }, (_, i) => `m${i}@x`);
    const h = composeHeaders({ ...base, kind: "REPLY", threadIds, parentId: null });
    expect(h.references).toHaveLength(10);
    expect(h.references[0]).toBe("m0@x");
    expect(h.references.at(-1)).toBe("m29@x");
  });
});

describe("delivery errors", () => {
  it.each([
    [{ responseCode: 550 }, true],
    [{ responseCode: 552 }, true],
    [{ responseCode: 503 }, false],
    [{ responseCode: 451 }, false],
    [{ code: "ECONNECTION" }, false],
    [{ code: "EENVELOPE" }, true],
    [new Error("boom"), false],
  ])("%o permanent=%s", (err, permanent) => expect(isPermanentDeliveryError(err)).toBe(permanent));
});

describe("raw Message-ID", () => {
  it("reads a folded Message-ID header without parsing the body", () => {
    const raw = Buffer.from("Subject: x\r\nMessage-ID:\r\n <abc@x.test>\r\n\r\nMessage-ID: <not-this@x>\r\n");
    expect(messageIdOf(raw).messageId).toBe("abc@x.test");
  });

  it("synthesises a stable id from the content when the header is missing", () => {
    const raw = Buffer.from("Subject: x\r\n\r\nbody");
    expect(messageIdOf(raw).messageId).toBe(messageIdOf(Buffer.from(raw)).messageId);
    expect(messageIdOf(raw).messageId).toMatch(/^sha256-[0-9a-f]{40}@mailcase\.invalid$/);
  });
});

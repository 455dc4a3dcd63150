import { describe, expect, it } from "vitest";
import { parseHelpdeskConfig } from "../../src/config/helpdesk-config.ts";
import { configIssues, minimalConfigDoc } from "../support/config-doc.ts";

const sub = { key: "crm", url: "https://crm.example/hook", events: ["case.created"], secret: "0123456789abcdef" };

describe("webhooks: in the configuration", () => {
  it("defaults to no subscriptions and a patient delivery policy", () => {
    expect(parseHelpdeskConfig(minimalConfigDoc()).webhooks).toEqual({ attempts: 8, backoffSeconds: 30, disableAfter: 5, subscriptions: [] });
  });

  it.each([
    ["a URL that is not http(s)", { subscriptions: [{ ...sub, url: "ftp://crm.example/x" }] }, "webhooks.subscriptions.0.url: must be an http(s) URL"],
    ["an unknown event", { subscriptions: [{ ...sub, events: ["case.deleted"] }] }, "webhooks.subscriptions.0.events.0:"],
    ["no event", { subscriptions: [{ ...sub, events: [] }] }, "webhooks.subscriptions.0.events: name at least one event"],
    ["both secret and secretEnv", { subscriptions: [{ ...sub, secretEnv: "CRM_SECRET" }] }, "webhooks.subscriptions.0.secret: set exactly one of secret or secretEnv"],
    ["neither", { subscriptions: [{ key: "crm", url: sub.url, events: sub.events }] }, "webhooks.subscriptions.0.secret: set exactly one of secret or secretEnv"],
    ["a short secret", { subscriptions: [{ ...sub, secret: "short" }] }, "webhooks.subscriptions.0.secret: at least 16 characters"],
    ["a duplicate key", { subscriptions: [sub, sub] }, 'webhooks.subscriptions.1.key: duplicate key "crm"'],
    ["a bad notify address", { notify: "admin", subscriptions: [] }, "webhooks.notify:"],
    ["zero attempts", { attempts: 0 }, "webhooks.attempts:"],
  ])("refuses %s, naming the field", (_what, webhooks, issue) => {
    const issues = configIssues(minimalConfigDoc({ webhooks }));
    expect(issues.some((i) => i.startsWith(issue))).toBe(true);
  });
});

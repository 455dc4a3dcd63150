/**
 * Helpdesk configuration documents for tests of the config parser: the smallest one that parses, and the
 * issues a document is rejected with.
 */
import { HelpdeskConfigError, parseHelpdeskConfig } from "../../src/config/helpdesk-config.ts";

/** One area, one mailbox and agent alice; `over` adds or replaces top-level keys. */
export function minimalConfigDoc(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    settings: { defaultArea: "helpdesk" },
    areas: [{ key: "helpdesk", name: "Helpdesk" }],
    mailboxes: [{ key: "support", address: "support@helpdesk.test", name: "S", imap: { host: "h", port: 143, user: "u", password: "p" } }],
    agents: [{ key: "alice", name: "Alice", email: "alice@helpdesk.test" }],
    ...over,
  };
}

/** The issues `parseHelpdeskConfig` rejects `doc` with; none when it parses. */
export function configIssues(doc: unknown): string[] {
  try {
    parseHelpdeskConfig(doc);
  } catch (err) {
    if (err instanceof HelpdeskConfigError) return err.issues;
    throw err;
  }
  return [];
}

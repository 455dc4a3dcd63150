import type { Queue } from "bullmq";
import type { ConfigCache } from "../config/config-cache.ts";
import type { Db } from "../db/client.ts";
import type { Logger } from "../observability/logger.ts";
import type { SecretRing } from "../config/secrets.ts";
import type { TemplateRenderer } from "../render/templates.ts";

/** Injected time source: tests pass a fixed clock, production the wall clock. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

/** What services need; built once per process in app/runtime.ts. */
export interface Deps {
  db: Db;
  log: Logger;
  clock: Clock;
  /** MAILCASE_SECRET with its rotation state; purpose keys are derived from it (src/config/secrets.ts). */
  secret: SecretRing;
  templates: TemplateRenderer;
  queues: { ingest: Queue; notify: Queue; send: Queue; sla: Queue; automation: Queue; webhook: Queue };
  /** The helpdesk configuration in memory, reloaded when its version moves (config/config-cache.ts). */
  config: ConfigCache;
  /** Coalescing window of update mails (MAILCASE_COALESCE_MS). */
  coalesceMs: number;
  /** Size cap and parse time budget (MAILCASE_MAX_MESSAGE_BYTES, MAILCASE_PARSE_TIMEOUT_MS). */
  limits: { maxMessageBytes: number; parseTimeoutMs: number };
  /** The customer portal's base URL (MAILCASE_PORTAL_URL, no trailing slash); unset: mails carry no case link. */
  portalUrl?: string;
  /** Where the web process is reached (MAILCASE_PUBLIC_URL): base of the signed satisfaction and download links in mails. */
  publicUrl?: string;
  /** Fault injection for crash tests (see MAILCASE_FAULT_INGEST_DELAY_MS). */
  faultIngestDelayMs: number;
  /** Fault injection for crash tests (see MAILCASE_FAULT_NOTIFY_DELAY_MS). */
  faultNotifyDelayMs: number;
}

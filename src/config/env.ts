import { z } from "zod";

/**
 * The process environment, validated once at start. Nothing else reads process.env.
 * Defaults point at the local services and the mail lab so `mailcase start` works on a fresh machine.
 */
const EnvSchema = z.object({
  DATABASE_URL: z.string().url().default("postgresql://postgres@127.0.0.1:5432/mailcase"),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  /** Namespace for BullMQ keys and locks, so several installations (or test runs) can share one Redis. */
  MAILCASE_REDIS_PREFIX: z.string().regex(/^[a-zA-Z0-9_-]+$/).default("mailcase"),
  SMTP_HOST: z.string().default("127.0.0.1"),
  SMTP_PORT: z.coerce.number().int().positive().default(2525),
  SMTP_SECURE: z.stringbool().default(false),
  SMTP_USER: z.string().optional(),
  SMTP_PASSWORD: z.string().optional(),
  /** Key for signed reply addresses. Must be set (and kept secret) in production. */
  MAILCASE_SECRET: z.string().min(16).default("mailcase-lab-secret-change-me"),
  MAILCASE_CONFIG: z.string().default("config/lab.yaml"),
  /** Poll interval when IDLE is unavailable or as a safety net beside IDLE. */
  POLL_INTERVAL_MS: z.coerce.number().int().min(200).default(30_000),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(8),
  /** The sweeper re-enqueues work a crash left between a commit and its enqueue: how often, and how old. */
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(500).default(30_000),
  SWEEP_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
  /**
   * Messages larger than this are not downloaded: their header is kept, the message is quarantined and the
   * sender is told once. 25 MiB is what the big mail providers accept.
   */
  MAILCASE_MAX_MESSAGE_BYTES: z.coerce.number().int().min(1024).default(25 * 1024 * 1024),
  /**
   * What the outbound relay (SMTP_HOST:SMTP_PORT, the one relay every worker sends through) accepts per second,
   * enforced across all worker processes (BullMQ's queue-wide limiter in Redis); 0: no limit. The default is
   * above what a normal deployment sends (each new case is 1–3 mails), so it protects a relay from a runaway
   * without capping intake; set it to the relay's own limit (a provider's quota) where there is one.
   */
  MAILCASE_SEND_RATE_PER_SECOND: z.coerce.number().int().min(0).max(100_000).default(500),
  /** Update mails wait this long so a burst of posts on a case becomes one mail per recipient. */
  MAILCASE_COALESCE_MS: z.coerce.number().int().min(0).default(30_000),
  /** Time budget for parsing one message (MIME walk, charset decoding, HTML to text); over it: quarantine. */
  MAILCASE_PARSE_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000),
  /**
   * The customer portal, e.g. https://support.example.com/portal: portal users' update mails link to
   * `<url>/cases/<number>`. Unset (or empty): no link. Stored without a trailing slash.
   */
  MAILCASE_PORTAL_URL: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL, e.g. https://support.example.com/portal" })
      .transform((u) => u.replace(/\/+$/, ""))
      .optional(),
  ),
  WEB_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /**
   * Fault injection for the crash tests only: milliseconds to stall inside the ingest transaction,
   * so a test can SIGKILL a worker mid-transaction deterministically.
   */
  MAILCASE_FAULT_INGEST_DELAY_MS: z.coerce.number().int().min(0).default(0),
});

export type Env = Readonly<z.infer<typeof EnvSchema>>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = EnvSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid environment:\n${lines.join("\n")}`);
  }
  return Object.freeze(result.data);
}

import { z } from "zod";
import { LAB_SECRET } from "./secrets.ts";

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
  /**
   * The one secret every key is derived from (HKDF, src/config/secrets.ts): reply addresses, portal sign-in
   * codes, session cookies, form tokens. The default is public (it is in the source), so it is refused unless
   * MAILCASE_LAB_MODE is on.
   */
  MAILCASE_SECRET: z.string().min(16).default(LAB_SECRET),
  /** Old secrets after a rotation, comma-separated: they still verify (never sign) until removed. */
  MAILCASE_SECRET_PREVIOUS: z
    .string()
    .default("")
    .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.string().min(16))),
  /**
   * Accept reply addresses signed the pre-HKDF way (raw secret), so notifications sent before an upgrade
   * still thread. Turn off once those mails are old (30 days is plenty).
   */
  MAILCASE_LEGACY_REPLY_TOKENS: z.stringbool().default(true),
  /** The local lab (`npm start`, tests): allows the public default secret. Never set it in production. */
  MAILCASE_LAB_MODE: z.stringbool().default(false),
  MAILCASE_CONFIG: z.string().default("config/lab.yaml"),
  /** Poll interval when IDLE is unavailable or as a safety net beside IDLE. */
  POLL_INTERVAL_MS: z.coerce.number().int().min(200).default(30_000),
  /**
   * An IMAP connection that answers nothing for this long is dropped and the poller logs in anew. A NAT or
   * firewall that forgets a connection leaves it open but silent; the socket alone would wait five minutes.
   */
  IMAP_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(60_000),
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
   * The limiter counts send jobs, not mails: the mails one post produces at once go as one job of up to five
   * (SEND_GROUP_MAX in src/pipeline/send/send.job.ts; a new case's are usually two), so a burst may reach up to
   * five times this many mails per second. Where the relay's limit is strict, set a fifth of it.
   */
  MAILCASE_SEND_RATE_PER_SECOND: z.coerce.number().int().min(0).max(100_000).default(500),
  /** Agent API requests per token and minute (over it: 429 with Retry-After), across all web processes. */
  MAILCASE_API_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  /** How often a worker fans new case events out to the webhook subscriptions, and how long a receiver may take. */
  MAILCASE_WEBHOOK_POLL_MS: z.coerce.number().int().min(100).default(2_000),
  MAILCASE_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
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
  /** Listen address of the web process (portal, health, metrics); 0.0.0.0 to serve beyond loopback. */
  WEB_HOST: z.string().min(1).default("127.0.0.1"),
  /**
   * Behind a reverse proxy: whom to trust for X-Forwarded-For/-Proto (so rate limits and logs see the client
   * IP and the portal knows it is served over https). `false` (default), `true` (any hop: only when nothing
   * can reach the process except the proxy), a hop count, or comma-separated addresses/CIDRs.
   */
  WEB_TRUST_PROXY: z
    .string()
    .default("false")
    .transform((v): boolean | number | string[] =>
      v === "true" ? true : v === "false" || v === "" ? false : /^\d+$/.test(v) ? Number(v) : v.split(",").map((s) => s.trim()).filter(Boolean),
    ),
  /**
   * Public base URL of the web process as customers reach it (e.g. https://support.example.com): sign-in
   * links in mails point here. Unset: http://127.0.0.1:<WEB_PORT> in lab mode; required for the portal
   * outside it. Stored without a trailing slash.
   */
  MAILCASE_PUBLIC_URL: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL, e.g. https://support.example.com" })
      .transform((u) => u.replace(/\/+$/, ""))
      .optional(),
  ),
  /** Portal sessions end after this much inactivity… */
  PORTAL_SESSION_IDLE_MINUTES: z.coerce.number().int().min(5).default(120),
  /** …and after this many days whatever the activity. */
  PORTAL_SESSION_MAX_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** Sign-in requests per client IP and hour (per address: 3 in 15 minutes, 10 a day, fixed). */
  PORTAL_SIGN_IN_PER_IP_HOUR: z.coerce.number().int().min(1).default(20),
  /**
   * `lean` (default): the heap grows by a quarter at most between full collections and WebAssembly (Prisma's query
   * compiler) is not optimised in the background, for about 150 MB less peak RSS per worker; `v8`: V8's own
   * defaults. See src/app/memory-policy.ts.
   */
  MAILCASE_MEMORY_POLICY: z.enum(["lean", "v8"]).default("lean"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /**
   * Fault injection for the crash tests only: milliseconds to stall inside the ingest transaction,
   * so a test can SIGKILL a worker mid-transaction deterministically.
   */
  MAILCASE_FAULT_INGEST_DELAY_MS: z.coerce.number().int().min(0).default(0),
  /**
   * Fault injection for the crash tests only: milliseconds to wait between the ingest commit and the inline
   * notify, so a test can SIGKILL a worker in that gap and time the recovery.
   */
  MAILCASE_FAULT_NOTIFY_DELAY_MS: z.coerce.number().int().min(0).default(0),
});

export type Env = Readonly<z.infer<typeof EnvSchema>>;

/**
 * Refuses a deployment that forgot MAILCASE_SECRET: with the default from the source anyone could sign reply
 * addresses (post as an agent) or session cookies. Called by every role at start, not by loadEnv, so
 * read-only CLI commands still run.
 */
export function assertProductionSecret(env: Env): void {
  if (env.MAILCASE_SECRET === LAB_SECRET && !env.MAILCASE_LAB_MODE)
    throw new ConfigError(
      "MAILCASE_SECRET is the public lab default: set a long random MAILCASE_SECRET (e.g. `openssl rand -base64 32`), or MAILCASE_LAB_MODE=1 for the local lab",
    );
}

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

/**
 * The web process's settings and their defaults, apart from server.ts: the worker and poller processes build
 * them (runtime.ts) without loading fastify and the portal, which server.ts pulls in (about 25 MB of RSS).
 */
import type { SignInLimits } from "../portal/portal.routes.ts";
import type { SessionPolicy } from "../portal/session.ts";

export interface WebOptions {
  host: string;
  port: number;
  /** Fastify's trustProxy: false, true, a hop count, or addresses/CIDRs of the proxies. */
  trustProxy: boolean | number | string[];
  /** Base URL customers reach this process at (sign-in links); undefined: the portals are not served. */
  publicUrl: string | undefined;
  redisPrefix: string;
  session: SessionPolicy;
  signInLimits: SignInLimits;
  /** Portal page requests per client IP and minute (all pages; sign-in has its own limits). */
  pageRatePerMinute?: number;
  /** How long a portal's definition is cached between requests (tests: 0, rules change between runs). */
  portalCacheMs?: number;
  /** API requests per token and minute (MAILCASE_API_RATE_PER_MINUTE). */
  apiRatePerMinute?: number;
}

export const DEFAULT_SESSION: SessionPolicy = { idleMs: 2 * 3600_000, absoluteMs: 30 * 86_400_000 };
export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { perIpPerHour: 20, globalPerHour: 1000, perAddress15Min: 3, perAddressDay: 10 };

import nodemailer from "nodemailer";
import type { Env } from "../../config/env.ts";

export type Transport = ReturnType<typeof nodemailer.createTransport>;

export function createTransport(env: Env): Transport {
  return nodemailer.createTransport({
    host: env.SMTP_HOST,
    port: env.SMTP_PORT,
    secure: env.SMTP_SECURE,
    // The lab's Postfix offers no TLS; real relays negotiate STARTTLS when offered.
    ignoreTLS: env.SMTP_HOST === "127.0.0.1" && !env.SMTP_SECURE,
    auth: env.SMTP_USER ? { user: env.SMTP_USER, pass: env.SMTP_PASSWORD ?? "" } : undefined,
    pool: true,
    maxConnections: 4,
    // Together well under the send claim lease (CLAIM_LEASE_MS), so a live sender never loses its claim.
    connectionTimeout: 10_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
}

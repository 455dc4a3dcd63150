/**
 * The outbound relay and what marks its mails sent. A mail is marked SENT by a statement written to
 * PostgreSQL in the same moment as the message's final dot is written to the relay (sent-marks.ts), not
 * after the relay's reply: a worker killed between the relay's "250" and a later update resent the mail
 * once its claim lapsed, and the customer got the acknowledgement twice.
 */
import nodemailer from "nodemailer";
import { Writable, type Readable } from "node:stream";
import pg from "pg";
import type { Env } from "../../config/env.ts";

export type Mailer = ReturnType<typeof nodemailer.createTransport>;

/** The property of a mail's options that carries its hook for the final dot (see withDotHook). */
const AT_DOT = "mailcaseAtDot";

export interface Transport {
  smtp: Mailer;
  /** Connections that write the SENT marks, one per mail in flight: never shared with anything that waits. */
  marks: pg.Pool;
  close(): Promise<void>;
}

/** Most mails in flight per process: the SMTP pool's connections, and as many connections for the marks. */
const IN_FLIGHT = 4;

export function createTransport(env: Env): Transport {
  const smtp = nodemailer.createTransport({
    host: env.SMTP_HOST,
    port: env.SMTP_PORT,
    secure: env.SMTP_SECURE,
    // The lab's Postfix offers no TLS; real relays negotiate STARTTLS when offered.
    ignoreTLS: env.SMTP_HOST === "127.0.0.1" && !env.SMTP_SECURE,
    auth: env.SMTP_USER ? { user: env.SMTP_USER, pass: env.SMTP_PASSWORD ?? "" } : undefined,
    pool: true,
    maxConnections: IN_FLIGHT,
    // Together well under the send claim lease (CLAIM_LEASE_MS), so a live sender never loses its claim.
    connectionTimeout: 10_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
  smtp.use("stream", (mail, done) => {
    const hook = (mail.data as Record<string, unknown>)[AT_DOT];
    if (typeof hook === "function") mail.message.processFunc((out: Readable) => onFinalDot(out, hook as () => void));
    done();
  });
  const marks = new pg.Pool({ connectionString: env.DATABASE_URL, max: IN_FLIGHT, idleTimeoutMillis: 60_000 });
  // An idle connection that breaks (PostgreSQL restarted) is dropped by the pool; without a listener the error
  // would end the process.
  marks.on("error", () => undefined);
  return {
    smtp,
    marks,
    async close() {
      smtp.close();
      await marks.end();
    },
  };
}

/** Mail options for `smtp.sendMail` that call `hook` right after the message's final dot was written. */
export function withDotHook<T extends object>(options: T, hook: () => void): T {
  return { ...options, [AT_DOT]: hook };
}

/**
 * nodemailer pipes the finished message into its SMTP data stream, which adds the final dot and is itself piped
 * into the socket. That stream ends once its last chunk, the dot, has been handed to the socket's write: the
 * hook runs then, before any other I/O callback of this process. Bytes the socket still holds in the process
 * (a message larger than the kernel's buffer) are flushed first, so the mark never precedes the dot's leaving.
 */
function onFinalDot(out: Readable, hook: () => void): Readable {
  const pipe = out.pipe.bind(out);
  out.pipe = <W extends NodeJS.WritableStream>(dest: W, opts?: { end?: boolean }): W => {
    // The data stream is piped into the socket before the message is piped into it; the pipe is undone when
    // the data stream ends, so the socket is looked up now.
    const data = dest as unknown as Readable & { _readableState?: { pipes?: unknown[] } };
    const socket = data._readableState?.pipes?.find((p): p is Writable => p instanceof Writable);
    data.once("end", () => {
      if (socket && socket.writableLength > 0) socket.once("drain", hook);
      else hook();
    });
    return pipe(dest, opts);
  };
  return out;
}

/**
 * A minimal SMTP server that accepts every message and throws it away: `--outbound sink` sends Mailcase's
 * outbound mail here instead of Postfix, so the bench isolates Mailcase's own cost. No TLS, no AUTH, no
 * PIPELINING advertised (nodemailer then talks strictly command by command, which keeps this parser simple).
 */
import net from "node:net";

export interface SmtpSink {
  port: number;
  received(): number;
  close(): Promise<void>;
}

export interface SinkOptions {
  /** The reply to the final dot of the n-th message (from 1); may wait. Default: "250 2.0.0 Ok: queued". */
  reply?: (n: number) => string | Promise<string>;
}

export async function startSmtpSink(opts: SinkOptions = {}): Promise<SmtpSink> {
  let received = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let buf = "";
    let inData = false;
    socket.write("220 sink ESMTP\r\n");
    socket.on("data", (chunk: Buffer) => {
      buf += chunk.toString("latin1");
      for (;;) {
        if (inData) {
          const end = buf.startsWith(".\r\n") ? 0 : buf.indexOf("\r\n.\r\n");
          if (end < 0) return;
          buf = buf.slice(end === 0 ? 3 : end + 5);
          inData = false;
          received++;
          if (opts.reply) {
            // Strictly command by command: nothing else arrives before this answer.
            void Promise.resolve(opts.reply(received)).then((r) => socket.write(`${r}\r\n`));
            continue;
          }
          socket.write("250 2.0.0 Ok: queued\r\n");
          continue;
        }
        const eol = buf.indexOf("\r\n");
        if (eol < 0) return;
        const line = buf.slice(0, eol);
        buf = buf.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO") socket.write("250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n");
        else if (verb === "DATA") {
          inData = true;
          socket.write("354 End data with <CR><LF>.<CR><LF>\r\n");
        } else if (verb === "QUIT") {
          socket.end("221 2.0.0 Bye\r\n");
          return;
        } else socket.write("250 2.0.0 Ok\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("sink: no port");
  return {
    port: address.port,
    received: () => received,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

import { pino, type Logger } from "pino";

/**
 * Root logger. Redaction sits here, on the root, so no child logger can leak credentials or message
 * content into logs (bodies and addresses of customers are personal data).
 */
export function createLogger(level: string, name = "mailcase"): Logger {
  return pino({
    name,
    level,
    // Errors are logged as objects under `err`: type, message, stack and the chain of causes.
    serializers: { err: pino.stdSerializers.errWithCause },
    redact: {
      paths: ["password", "*.password", "auth.pass", "*.auth.pass", "raw", "*.raw", "body", "*.body", "text", "*.text", "html", "*.html"],
      censor: "[redacted]",
    },
  });
}
export type { Logger };

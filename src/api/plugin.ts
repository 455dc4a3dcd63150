/**
 * The HTTP API as a self-contained Fastify plugin (`/api/v1`, JSON). The integrator registers it in the web
 * process: `app.register(apiPlugin, { prefix: "/api/v1", ops })` with `ops = opsDepsOf(deps)`.
 *
 * - Authentication: `Authorization: Bearer <token>` (src/api/tokens.ts); every request acts as the token's
 *   agent through the same case operations and access rules as the CLI's `--as`: an inaccessible case is 404.
 * - Errors are RFC 9457 problem details (application/problem+json) naming the field.
 * - `Idempotency-Key` on POST: the first answer is kept per token and key; a retry gets it again and creates
 *   nothing; the same key with a different request is 422. A multipart request is compared by its fields and
 *   its files' names, types and SHA-256.
 * - A route with `multipart` also takes multipart/form-data (src/api/multipart.ts); other routes answer 415.
 */
import { createHash } from "node:crypto";
import multipart from "@fastify/multipart";
import rateLimit from "@fastify/rate-limit";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import type { z } from "zod";
import { actingAgentById, type ActingAgent } from "../case/acting-agent.ts";
import type { OpsDeps } from "../case/ops/common.ts";
import { isUniqueViolation } from "../db/client.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import type { ParsedAttachment } from "../parsing/parsed-message.ts";
import { renderDocsPage } from "./docs-page.ts";
import { readMultipartBody } from "./multipart.ts";
import { openApiDocument } from "./openapi.ts";
import { ROUTES, type ApiRoute } from "./routes.ts";
import { authenticate } from "./tokens.ts";

export interface ApiPluginOptions {
  ops: OpsDeps;
  /**
   * Requests per token and minute (a request without a token counts against its IP). With `redis` the
   * count holds across all web processes; without, per process (tests).
   */
  rateLimit?: { perMinute: number; redis?: Redis; redisPrefix?: string };
}

export const DEFAULT_API_RATE_PER_MINUTE = 600;

/** The rate limit's key: the token (hashed: a key is stored in Redis), or the client's IP without one. */
export function rateKey(req: FastifyRequest): string {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  return bearer ? `t:${createHash("sha256").update(bearer).digest("hex").slice(0, 32)}` : `ip:${req.ip}`;
}

function problemBody(status: number, title: string, detail: string, field?: string): object {
  return { type: `https://mailcase.invalid/problems/${title.toLowerCase().replace(/\s+/g, "-")}`, title, status, detail, ...(field !== undefined ? { field } : {}) };
}

function problem(reply: FastifyReply, status: number, title: string, detail: string, field?: string): FastifyReply {
  return reply.code(status).type("application/problem+json").send(problemBody(status, title, detail, field));
}

const invalid = (reply: FastifyReply, where: string, error: z.ZodError) => {
  const issue = error.issues[0];
  // A query parameter is named as sent (`status`, not `status.0` of its parsed list).
  const field = issue ? (where === "query" ? String(issue.path[0] ?? (issue.code === "unrecognized_keys" ? issue.keys.join(",") : "")) : issue.path.map(String).join(".")) : where;
  return problem(reply, 400, "Invalid request", `${field || where}: ${issue?.message ?? "invalid"}`, field || where);
};

export const apiPlugin: FastifyPluginAsync<ApiPluginOptions> = async (app, opts) => {
  const { ops } = opts;
  const limit = opts.rateLimit ?? { perMinute: DEFAULT_API_RATE_PER_MINUTE };
  // Keyed by token, checked before the token is looked up, so a flood costs no database work. Retry-After is
  // set by the plugin; the 429 itself goes through the error handler below as a problem.
  await app.register(rateLimit, {
    max: limit.perMinute,
    timeWindow: 60_000,
    keyGenerator: rateKey,
    ...(limit.redis ? { redis: limit.redis, nameSpace: `${limit.redisPrefix ?? "mailcase"}:api-rl:` } : {}),
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, message: `at most ${ctx.max} requests per minute per token; retry in ${ctx.after}` }),
  });
  // Fastify's own errors (a malformed JSON body, an unknown content type) in the same problem shape.
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    if (err.statusCode === 429) return problem(reply, 429, "Too many requests", err.message);
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return problem(reply, status, status === 500 ? "Internal error" : "Invalid request", status === 500 ? "the request failed; see the server log" : err.message, status === 500 ? undefined : "body");
  });
  // The parser only marks the request; its parts are streamed by readMultipartBody under the route's limits.
  // Registered here so the plugin stands alone; skipped when the host already did (a second one would clash).
  if (!app.hasRequestDecorator("isMultipart")) await app.register(multipart);
  app.get("/openapi.json", async () => openApiDocument());
  // Rendered once: the document only changes with the code.
  const docsPage = renderDocsPage(openApiDocument() as Parameters<typeof renderDocsPage>[0]);
  app.get("/docs", async (_req, reply) => reply.type("text/html; charset=utf-8").send(docsPage));

  for (const route of ROUTES) {
    app.route({
      method: route.method,
      url: route.path,
      ...(route.bodyLimit ? { bodyLimit: route.bodyLimit } : {}),
      handler: (req, reply) => handle(route, req, reply),
    });
  }

  async function handle(route: ApiRoute, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const token = bearer ? await authenticate(ops.db, bearer, ops.clock.now()) : null;
    if (!token) return problem(reply.header("WWW-Authenticate", "Bearer"), 401, "Unauthorized", "a valid API token is required (mailcase token create)");
    if (!token.scopes.includes(route.scope)) return problem(reply, 403, "Forbidden", `the token lacks the scope ${route.scope}`);
    const agent = await actingAgentById(ops.db, token.agentId);
    if (!agent) return problem(reply, 401, "Unauthorized", "the token's agent is deactivated");

    const params = route.params ? route.params.safeParse(req.params) : { success: true as const, data: {} };
    if (!params.success) return invalid(reply, "path", params.error);
    const query = route.query ? route.query.safeParse(req.query ?? {}) : { success: true as const, data: {} };
    if (!query.success) return invalid(reply, "query", query.error);
    // A multipart form's text fields stand for the JSON body; its files come read and checked.
    let sent: unknown = req.body ?? {};
    let bodySchema = route.body;
    let files: ParsedAttachment[] = [];
    let fingerprinted: unknown = req.body ?? null;
    if (req.isMultipart()) {
      if (!route.multipart) return problem(reply, 415, "Unsupported media type", "this route takes application/json", "body");
      const form = await readMultipartBody(req, route.multipart.limits);
      if (!form.ok) return problem(reply, form.refusal.status, form.refusal.title, form.refusal.detail, form.refusal.field);
      ({ fields: sent, files } = form);
      fingerprinted = form.fingerprint;
      bodySchema = route.multipart.fields;
    }
    const body = bodySchema ? bodySchema.safeParse(sent) : { success: true as const, data: undefined };
    if (!body.success) return invalid(reply, "body", body.error);

    const key = route.method === "POST" ? req.headers["idempotency-key"] : undefined;
    if (typeof key === "string") {
      const fingerprint = createHash("sha256").update(`${route.method} ${req.url}\n${JSON.stringify(fingerprinted)}`).digest("hex");
      const earlier = await ops.db.apiIdempotency.findUnique({ where: { tokenId_key: { tokenId: token.id, key } } });
      if (earlier) {
        if (earlier.fingerprint !== fingerprint) return problem(reply, 422, "Idempotency key reused", "this Idempotency-Key was used with a different request", "Idempotency-Key");
        return reply.code(earlier.status).header("Idempotent-Replayed", "true").send(earlier.body);
      }
      const [status, payload] = await execute(route, agent, params.data, body.data, query.data, files);
      try {
        await ops.db.apiIdempotency.create({ data: { tokenId: token.id, key, fingerprint, status, body: payload as Prisma.InputJsonValue } });
      } catch (err) {
        // Two retries raced: the other one's answer is kept; this one's work was done under the same key.
        if (!isUniqueViolation(err)) throw err;
      }
      return send(reply, status, payload);
    }
    const [status, payload] = await execute(route, agent, params.data, body.data, query.data, files);
    return send(reply, status, payload);
  }

  /** Runs the operation; its outcome as the status and body to answer with (kept as is for idempotent replays). */
  async function execute(route: ApiRoute, agent: ActingAgent, params: Record<string, unknown>, body: unknown, query: Record<string, unknown>, files: readonly ParsedAttachment[]): Promise<[number, object]> {
    const r = await route.run(ops, agent, params, body, query, files);
    if (r.ok) {
      const { ok: _ok, ...result } = r;
      return [route.created ? 201 : 200, result];
    }
    // Not found covers "may not see" in the same words; a refusal by the case rules is 422 naming the field.
    const status = r.error === "not-found" ? 404 : 422;
    const title = r.error === "not-found" ? "Not found" : "Refused";
    return [status, problemBody(status, title, r.reason, r.field)];
  }

  function send(reply: FastifyReply, status: number, payload: object): FastifyReply {
    if (status >= 400) return reply.code(status).type("application/problem+json").send(payload);
    return reply.code(status).send(payload);
  }
};

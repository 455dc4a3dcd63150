/**
 * The API's routes as data: method, path, scope, the zod schemas of path parameters and body, and the case
 * operation they call. The plugin registers exactly these and the OpenAPI document is generated from them,
 * so a route cannot exist without its schema in the document (test/integration/api.test.ts checks it).
 */
import { z } from "zod";
import type { ActingAgent } from "../case/acting-agent.ts";
import type { OpFailure, OpResult, OpsDeps } from "../case/ops/common.ts";
import { createCase } from "../case/ops/create-case.ts";
import { cloneCase, linkCases } from "../case/ops/link-case.ts";
import { mergeCases } from "../case/ops/merge-case.ts";
import { postOnCase } from "../case/ops/post-case.ts";
import { CaseNumber, ChangeBody, ChangeInput, CreateCaseInput, LinkBody, LinkInput, POST_ATTACHMENTS_MAX_BYTES, PostBody, PostFields, PostInput } from "../case/ops/schemas.ts";
import { changeCaseFields, followCase } from "../case/ops/set-case.ts";
import type { ParsedAttachment } from "../parsing/parsed-message.ts";
import type { UploadLimits } from "../portal/uploads.ts";
import { listCasesFor, ListQuery } from "./list-cases.ts";
import { API_UPLOADS } from "./multipart.ts";
import { getCase } from "./read-case.ts";
import type { Scope } from "./tokens.ts";

const NumberParams = z.object({ number: CaseNumber });
/** A whole-input rule (e.g. "a private post needs its addressee") broken: refused, naming the field. */
const invalid = (error: z.ZodError): OpFailure => ({ ok: false, error: "refused", reason: error.issues[0]?.message ?? "invalid", field: String(error.issues[0]?.path[0] ?? "") });

export interface ApiRoute {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Fastify syntax (`:number`), below /api/v1. */
  path: string;
  summary: string;
  scope: Scope;
  params?: z.ZodObject;
  /** Query string parameters (each one a string before validation). */
  query?: z.ZodObject;
  body?: z.ZodType;
  /** 201 for a creation, else 200. */
  created?: boolean;
  /** Largest request body in bytes, when more than the web process's default (1 MiB). */
  bodyLimit?: number;
  /**
   * Also takes multipart/form-data: the text fields checked by `fields` (then passed as `body`), the file parts
   * by `limits` (src/api/multipart.ts), passed read and checked as `files`.
   */
  multipart?: { fields: z.ZodObject; limits: UploadLimits };
  run(ops: OpsDeps, agent: ActingAgent, params: Record<string, unknown>, body: unknown, query: Record<string, unknown>, files: readonly ParsedAttachment[]): Promise<OpResult<object>>;
}

export const ROUTES: readonly ApiRoute[] = [
  {
    method: "GET",
    path: "/cases",
    summary: "Cases the agent may see, filtered, most recently changed first (cursor pagination)",
    scope: "cases:read",
    query: ListQuery,
    run: (ops, agent, _p, _b, q) => listCasesFor(ops.db, agent, q as ListQuery, ops.clock.now()),
  },
  {
    method: "GET",
    path: "/cases/:number",
    summary: "A case as the agent may see it",
    scope: "cases:read",
    params: NumberParams,
    run: (ops, agent, p) => getCase(ops.db, agent, p.number as number),
  },
  {
    method: "POST",
    path: "/cases",
    summary: "Open a case (routed like mail unless owner or team is given)",
    scope: "cases:write",
    body: CreateCaseInput,
    created: true,
    run: (ops, agent, _p, b) => createCase(ops, agent, b as CreateCaseInput),
  },
  {
    method: "POST",
    path: "/cases/:number/posts",
    summary: "Add a post (PUBLIC is mailed to the contacts like an email answer), with files as base64 in JSON or as multipart/form-data file parts",
    scope: "cases:write",
    params: NumberParams,
    body: PostBody,
    multipart: { fields: PostFields, limits: API_UPLOADS },
    created: true,
    // The files' limit in base64 (4/3) plus the text (JSON only: a multipart body is streamed under API_UPLOADS).
    bodyLimit: Math.ceil((POST_ATTACHMENTS_MAX_BYTES * 4) / 3) + 1024 * 1024,
    run: (ops, agent, p, b, _q, files) => {
      const input = PostInput.safeParse({ ...(b as object), case: p.number });
      return input.success ? postOnCase(ops, agent, input.data, files) : Promise.resolve(invalid(input.error));
    },
  },
  {
    method: "PATCH",
    path: "/cases/:number",
    summary: "Change fields (same rules as the mail commands)",
    scope: "cases:write",
    params: NumberParams,
    body: ChangeBody,
    run: (ops, agent, p, b) => {
      const input = ChangeInput.safeParse({ ...(b as object), case: p.number });
      return input.success ? changeCaseFields(ops, agent, input.data) : Promise.resolve(invalid(input.error));
    },
  },
  {
    method: "POST",
    path: "/cases/:number/follow",
    summary: "Follow the case",
    scope: "cases:write",
    params: NumberParams,
    run: (ops, agent, p) => followCase(ops, agent, { case: p.number as number, follow: true }),
  },
  {
    method: "DELETE",
    path: "/cases/:number/follow",
    summary: "Unfollow the case",
    scope: "cases:write",
    params: NumberParams,
    run: (ops, agent, p) => followCase(ops, agent, { case: p.number as number, follow: false }),
  },
  {
    method: "POST",
    path: "/cases/:number/links",
    summary: "Link to another case (related, or parent)",
    scope: "cases:write",
    params: NumberParams,
    body: LinkBody,
    run: (ops, agent, p, b) => linkCases(ops, agent, LinkInput.parse({ ...(b as object), case: p.number })),
  },
  {
    method: "POST",
    path: "/cases/:number/merge",
    summary: "Merge this case into another (`into`)",
    scope: "cases:write",
    params: NumberParams,
    body: z.object({ into: CaseNumber }),
    run: (ops, agent, p, b) => mergeCases(ops, agent, { case: p.number as number, into: (b as { into: number }).into }),
  },
  {
    method: "POST",
    path: "/cases/:number/clone",
    summary: "Clone the case (fields, contacts, description; no posts)",
    scope: "cases:write",
    params: NumberParams,
    created: true,
    run: (ops, agent, p) => cloneCase(ops, agent, { case: p.number as number }),
  },
];

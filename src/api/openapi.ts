/**
 * The OpenAPI 3.1 document, generated from the route table's zod schemas (zod 4's own JSON Schema output is
 * the 2020-12 dialect OpenAPI 3.1 uses), so the document and the validation cannot disagree.
 */
import { z } from "zod";
import { FILES_FIELD } from "./multipart.ts";
import { ROUTES, type ApiRoute } from "./routes.ts";

const PROBLEM = {
  description: "RFC 9457 problem details",
  content: {
    "application/problem+json": {
      schema: {
        type: "object",
        properties: { type: { type: "string" }, title: { type: "string" }, status: { type: "integer" }, detail: { type: "string" }, field: { type: "string" } },
      },
    },
  },
};

/** One OpenAPI parameter per query field, its schema and description from the zod schema (input side). */
function queryParameters(query: z.ZodObject): object[] {
  const json = z.toJSONSchema(query, { io: "input", unrepresentable: "any" }) as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => ({
    name,
    in: "query",
    required: json.required?.includes(name) ?? false,
    ...(schema.description ? { description: schema.description } : {}),
    schema,
  }));
}

/** The multipart/form-data body: the JSON body's text fields as form fields, the files as repeated binary parts. */
function formBody(m: NonNullable<ApiRoute["multipart"]>): object {
  const fields = z.toJSONSchema(m.fields, { io: "input", unrepresentable: "any" }) as { properties?: Record<string, object>; required?: string[] };
  const { maxFiles, maxFileBytes, maxTotalBytes, types } = m.limits;
  return {
    schema: {
      type: "object",
      properties: {
        ...fields.properties,
        [FILES_FIELD]: {
          type: "array",
          maxItems: maxFiles,
          description: `files, one part each (at most ${maxFiles}, ${maxFileBytes} bytes each, ${maxTotalBytes ?? maxFiles * maxFileBytes} bytes together); a known type must match the file's first bytes`,
          items: { type: "string", contentMediaType: "application/octet-stream" },
        },
      },
      required: fields.required ?? [],
    },
    encoding: { [FILES_FIELD]: { contentType: types.join(", ") } },
  };
}

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const path = `/api/v1${r.path.replace(/:(\w+)/g, "{$1}")}`;
    const params = r.params ? Object.keys(r.params.shape).map((name) => ({ name, in: "path", required: true, schema: { type: "integer", minimum: 1 } })) : [];
    const query = r.query ? queryParameters(r.query) : [];
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = {
      summary: r.summary,
      security: [{ bearer: [r.scope] }],
      parameters: [...params, ...query, ...(r.method === "POST" ? [{ name: "Idempotency-Key", in: "header", required: false, schema: { type: "string", maxLength: 200 } }] : [])],
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: {
                "application/json": { schema: z.toJSONSchema(r.body, { io: "input", unrepresentable: "any" }) },
                ...(r.multipart ? { "multipart/form-data": formBody(r.multipart) } : {}),
              },
            },
          }
        : {}),
      responses: {
        [r.created ? "201" : "200"]: { description: "done", content: { "application/json": { schema: { type: "object" } } } },
        "400": PROBLEM,
        "401": PROBLEM,
        "403": PROBLEM,
        "404": PROBLEM,
        "409": PROBLEM,
        "422": PROBLEM,
        ...(r.bodyLimit || r.multipart ? { "413": PROBLEM } : {}),
        ...(r.multipart ? { "415": PROBLEM } : {}),
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Mailcase API", version: "1" },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "a token from `mailcase token create`" } } },
    paths,
  };
}

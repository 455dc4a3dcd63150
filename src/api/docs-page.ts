/**
 * The readable API reference at /api/v1/docs: one server-rendered HTML page from the OpenAPI document itself
 * (so it cannot describe another API than the one served), no scripts, no CDN, styles inline. Handlebars
 * escapes everything taken from the document.
 */
import Handlebars from "handlebars";

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  format?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: JsonSchema;
}
interface Operation {
  summary?: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { description?: string }>;
}

/** A schema in a few words: `string (email)`, `NEW | ASSIGNED`, `array of integer`, `object`. */
export function typeOf(s: JsonSchema | undefined): string {
  if (!s) return "any";
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  const alt = s.anyOf ?? s.oneOf;
  if (alt) return alt.map(typeOf).join(" or ");
  const t = Array.isArray(s.type) ? s.type.join(" | ") : (s.type ?? "any");
  if (t === "array") return `array of ${typeOf(s.items)}`;
  return s.format ? `${t} (${s.format})` : t;
}

const constraints = (s: JsonSchema | undefined): string =>
  [
    s?.default !== undefined ? `default ${JSON.stringify(s.default)}` : null,
    s?.minimum !== undefined ? `min ${s.minimum}` : null,
    s?.maximum !== undefined ? `max ${s.maximum}` : null,
    s?.maxLength !== undefined ? `at most ${s.maxLength} characters` : null,
  ]
    .filter(Boolean)
    .join(", ");

/** The properties of a body schema as rows, nested objects flattened as `requester.email`. */
function fields(s: JsonSchema | undefined, prefix = ""): object[] {
  if (!s?.properties) return [];
  return Object.entries(s.properties).flatMap(([name, p]) => [
    { name: `${prefix}${name}`, type: typeOf(p), required: s.required?.includes(name) ?? false, description: p.description ?? "", constraints: constraints(p) },
    ...(p.type === "object" ? fields(p, `${prefix}${name}.`) : []),
  ]);
}

const PAGE = Handlebars.compile(
  `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1f2937}
h1{margin-bottom:.25rem} code,pre{font:13px ui-monospace,monospace;background:#f3f4f6;border-radius:4px}
code{padding:.1rem .3rem} pre{padding:.75rem;overflow:auto}
section.op{border:1px solid #e5e7eb;border-radius:8px;padding:1rem;margin:1.25rem 0}
.m{display:inline-block;min-width:4.5rem;text-align:center;font-weight:700;border-radius:4px;padding:.1rem .4rem;color:#fff;background:#2563eb}
.m.post{background:#16a34a}.m.patch{background:#d97706}.m.delete{background:#dc2626}
table{border-collapse:collapse;width:100%;margin:.5rem 0} th,td{border-bottom:1px solid #e5e7eb;text-align:left;padding:.3rem .5rem;vertical-align:top}
nav li{margin:.15rem 0} .muted{color:#6b7280}
</style></head><body>
<h1>{{title}}</h1>
<p class="muted">OpenAPI {{openapi}} · version {{version}} · machine-readable: <a href="openapi.json">openapi.json</a></p>
<p>Authenticate with <code>Authorization: Bearer &lt;token&gt;</code> (a token from <code>mailcase token create --agent KEY --scopes cases:read,cases:write</code>). Every request acts as the token's agent: a case the agent may not see is <code>404</code>. Errors are RFC 9457 problem details (<code>application/problem+json</code>) whose <code>field</code> names the parameter or body field. A POST with an <code>Idempotency-Key</code> header is done once; a retry gets the first answer. Over the per-token rate limit: <code>429</code> with <code>Retry-After</code>.</p>
<nav><h2>Operations</h2><ul>
{{#each ops}}<li><a href="#{{anchor}}"><span class="m {{lower}}">{{method}}</span> <code>{{path}}</code></a> {{summary}}</li>
{{/each}}</ul></nav>
{{#each ops}}
<section class="op" id="{{anchor}}">
<h3><span class="m {{lower}}">{{method}}</span> <code>{{path}}</code></h3>
<p>{{summary}}{{#if scopes}} <span class="muted">· scope <code>{{scopes}}</code></span>{{/if}}</p>
{{#if parameters.length}}<h4>Parameters</h4>
<table><tr><th>Name</th><th>In</th><th>Type</th><th>Required</th><th>Description</th></tr>
{{#each parameters}}<tr><td><code>{{name}}</code></td><td>{{in}}</td><td>{{type}}</td><td>{{#if required}}yes{{else}}no{{/if}}</td><td>{{description}}{{#if constraints}} <span class="muted">({{constraints}})</span>{{/if}}</td></tr>
{{/each}}</table>{{/if}}
{{#if body}}<h4>Request body <span class="muted">application/json</span></h4>
<table><tr><th>Field</th><th>Type</th><th>Required</th><th>Description</th></tr>
{{#each body}}<tr><td><code>{{name}}</code></td><td>{{type}}</td><td>{{#if required}}yes{{else}}no{{/if}}</td><td>{{description}}{{#if constraints}} <span class="muted">({{constraints}})</span>{{/if}}</td></tr>
{{/each}}</table>
<details><summary>JSON Schema</summary><pre>{{bodySchema}}</pre></details>{{/if}}
{{#if form}}<h4>Or as a form <span class="muted">multipart/form-data</span></h4>
<table><tr><th>Field</th><th>Type</th><th>Required</th><th>Description</th></tr>
{{#each form}}<tr><td><code>{{name}}</code></td><td>{{type}}</td><td>{{#if required}}yes{{else}}no{{/if}}</td><td>{{description}}{{#if constraints}} <span class="muted">({{constraints}})</span>{{/if}}</td></tr>
{{/each}}</table>{{/if}}
<h4>Responses</h4><ul>{{#each responses}}<li><code>{{code}}</code> {{description}}</li>{{/each}}</ul>
</section>
{{/each}}
</body></html>
`,
  { strict: false },
);

export function renderDocsPage(doc: { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, Operation>> }): string {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const schema = op.requestBody?.content?.["application/json"]?.schema;
      const form = op.requestBody?.content?.["multipart/form-data"]?.schema;
      return {
        anchor: `${method}-${path.replace(/[^a-z0-9]+/gi, "-")}`,
        method: method.toUpperCase(),
        lower: method,
        path,
        summary: op.summary ?? "",
        scopes: (op.security ?? []).flatMap((s) => Object.values(s).flat()).join(", "),
        parameters: (op.parameters ?? []).map((p) => ({ name: p.name, in: p.in, required: p.required ?? false, type: typeOf(p.schema), description: p.description ?? p.schema?.description ?? "", constraints: constraints(p.schema) })),
        body: schema ? fields(schema) : null,
        bodySchema: schema ? JSON.stringify(schema, null, 2) : null,
        form: form ? fields(form) : null,
        responses: Object.entries(op.responses ?? {}).map(([code, r]) => ({ code, description: r.description ?? "" })),
      };
    }),
  );
  return PAGE({ title: doc.info.title, version: doc.info.version, openapi: doc.openapi, ops });
}

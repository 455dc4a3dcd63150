/**
 * Files on API posts as multipart/form-data, through the web process: the form's fields are the JSON body's,
 * each file part an attachment. Two files reach the case and the customer's mailbox byte for byte; a refused
 * type, a file whose bytes contradict its type, too many or too large files are problems naming the field,
 * with nothing written; the same Idempotency-Key with the same form posts once.
 */
import { createHash, randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../../src/api/tokens.ts";
import { webOptions } from "../../src/app/runtime.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { labConfig, rand, startApp, testEnv, waitForMail, type App } from "../support/harness.ts";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
type Part = string | { name: string; type: string; content: Buffer };

/** A multipart body as a client sends it (the platform's FormData encoder, so the boundary is real). */
async function form(parts: [string, Part][]): Promise<{ payload: Buffer; type: string }> {
  const data = new FormData();
  for (const [field, p] of parts) {
    if (typeof p === "string") data.append(field, p);
    else data.append(field, new Blob([new Uint8Array(p.content)], { type: p.type }), p.name);
  }
  const req = new Request("http://localhost/", { method: "POST", body: data });
  return { payload: Buffer.from(await req.arrayBuffer()), type: req.headers.get("content-type")! };
}

describe("multipart posts on the API", () => {
  const id = rand();
  const customer = `vip-${id}@customer.test`; // the lab config routes this contact to alice
  let app: App;
  let web: FastifyInstance;
  let token = "";
  let number = 0;
  const send = async (url: string, parts: [string, Part][], headers: Record<string, string> = {}, method: "POST" | "PATCH" = "POST") => {
    const f = await form(parts);
    return web.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}`, "content-type": f.type, ...headers }, payload: f.payload });
  };
  const posts = () => app.rt.deps.db.post.count({ where: { case: { number } } });
  const pdf = (n: number) => Buffer.concat([Buffer.from("%PDF-1.7\n"), randomBytes(n)]);

  beforeAll(async () => {
    app = await startApp(labConfig(id), { env: testEnv(), roles: ["worker"] });
    web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, {}));
    token = (await createToken(app.rt.deps.db, "alice", ["cases:read", "cases:write"]))!.token;
    const created = await web.inject({
      method: "POST",
      url: "/api/v1/cases",
      headers: { authorization: `Bearer ${token}` },
      payload: { requester: { email: customer }, subject: `Multipart ${id}`, description: "Send me the manual." },
    });
    expect(created.statusCode).toBe(201);
    number = created.json<{ number: number }>().number;
  });
  afterAll(async () => {
    await web?.close();
    await app?.close();
  });

  it("posts two files by multipart: on the case, and in the customer's mail under safe names", async () => {
    const manual = pdf(1536 * 1024); // over the JSON route's 1 MiB default, streamed here
    const notes = Buffer.from("line one\nline two\n");
    const r = await send(`/cases/${number}/posts`, [
      ["visibility", "PUBLIC"],
      ["body", "Here is the manual, by form."],
      ["attachments", { name: "manual.pdf", type: "application/pdf", content: manual }],
      ["attachments", { name: "../../etc/notes.txt", type: "text/plain", content: notes }],
    ]);
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ number, postId: expect.any(Number) });

    const view = (await web.inject({ method: "GET", url: `/api/v1/cases/${number}`, headers: { authorization: `Bearer ${token}` } })).json<{
      case: { stream: { body: string | null; visibility: string; attachments: { filename: string; size: number; sha256: string }[] }[] };
    }>();
    const post = view.case.stream.find((p) => p.body === "Here is the manual, by form.")!;
    expect(post.visibility).toBe("PUBLIC");
    expect(post.attachments).toEqual([
      expect.objectContaining({ filename: "manual.pdf", size: manual.length, sha256: sha(manual) }),
      expect.objectContaining({ filename: "notes.txt", size: notes.length, sha256: sha(notes) }),
    ]);

    const mail = await waitForMail(customer, (m) => m.attachments.length === 2, "the form's answer with its files", 40_000);
    expect(mail.text).toContain("Here is the manual, by form.");
    const byName = new Map(mail.attachments.map((a) => [a.filename, a]));
    expect([...byName.keys()].sort()).toEqual(["manual.pdf", "notes.txt"]);
    expect(sha(byName.get("manual.pdf")!.content)).toBe(sha(manual));
    expect(byName.get("manual.pdf")!.contentType).toBe("application/pdf");
    expect(sha(byName.get("notes.txt")!.content)).toBe(sha(notes));
  }, 60_000);

  it("refuses a type, a disguised file, too many and too large files naming the field, and writes nothing", async () => {
    const before = await posts();
    const text: [string, Part][] = [["visibility", "INTERNAL"], ["body", "x"]];
    const file = (name: string, type: string, content: Buffer): [string, Part] => ["attachments", { name, type, content }];

    const exe = await send(`/cases/${number}/posts`, [...text, file("setup.exe", "application/x-msdownload", Buffer.from("MZ\x90\x00"))]);
    expect(exe.statusCode).toBe(400);
    expect(exe.headers["content-type"]).toContain("application/problem+json");
    expect(exe.json()).toMatchObject({ status: 400, field: "attachments", detail: expect.stringContaining("setup.exe") });
    // Declared a PDF, is an executable: refused by its first bytes.
    const disguised = await send(`/cases/${number}/posts`, [...text, file("invoice.pdf", "application/pdf", Buffer.from("MZ\x90\x00 not a pdf"))]);
    expect(disguised.statusCode).toBe(400);
    expect(disguised.json()).toMatchObject({ field: "attachments", detail: expect.stringContaining("invoice.pdf") });

    const big = await send(`/cases/${number}/posts`, [...text, file("big.pdf", "application/pdf", pdf(10.5 * 1024 * 1024))]);
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ status: 413, field: "attachments", detail: expect.stringMatching(/big\.pdf is larger than 10 MB/) });
    const together = await send(`/cases/${number}/posts`, [...text, file("a.pdf", "application/pdf", pdf(6 * 1024 * 1024)), file("b.pdf", "application/pdf", pdf(6 * 1024 * 1024))]);
    expect(together.statusCode).toBe(413);
    expect(together.json()).toMatchObject({ field: "attachments", detail: expect.stringContaining("10 MB of files per post") });
    const many = await send(`/cases/${number}/posts`, [...text, ...Array.from({ length: 11 }, (_, i) => file(`n${i}.txt`, "text/plain", Buffer.from(`note ${i}`)))]);
    expect(many.statusCode).toBe(400);
    expect(many.json()).toMatchObject({ field: "attachments", detail: expect.stringContaining("at most 10 files") });
    const far = await send(`/cases/${number}/posts`, [...text, ...Array.from({ length: 14 }, (_, i) => file(`m${i}.txt`, "text/plain", Buffer.from(`note ${i}`)))]);
    expect(far.statusCode).toBe(400);
    expect(far.json()).toMatchObject({ field: "attachments" });

    // The form's fields go through the same schema as the JSON body: a bad one is named.
    const vis = await send(`/cases/${number}/posts`, [["visibility", "SECRET"], ["body", "x"]]);
    expect(vis.statusCode).toBe(400);
    expect(vis.json()).toMatchObject({ field: "visibility" });
    const longBody = await send(`/cases/${number}/posts`, [["visibility", "INTERNAL"], ["body", "é".repeat(250_000)]]);
    expect(longBody.statusCode).toBe(413);
    expect(longBody.json()).toMatchObject({ field: "body" });
    // A route without files takes no form.
    const patch = await send(`/cases/${number}`, [["priority", "HIGH"]], {}, "PATCH");
    expect(patch.statusCode).toBe(415);
    expect(await posts()).toBe(before);
  }, 60_000);

  it("describes the form in the OpenAPI document and the reference page", async () => {
    const doc = (await web.inject({ method: "GET", url: "/api/v1/openapi.json" })).json<{ paths: Record<string, Record<string, { requestBody: { content: Record<string, { schema: { properties: Record<string, object>; required: string[] }; encoding?: Record<string, { contentType: string }> }> }; responses: Record<string, object> }>> }>();
    const op = doc.paths["/api/v1/cases/{number}/posts"]!.post!;
    const form = op.requestBody.content["multipart/form-data"]!;
    expect(Object.keys(form.schema.properties).sort()).toEqual(["attachments", "body", "to", "visibility"]);
    expect(form.schema.properties.attachments).toMatchObject({ type: "array", maxItems: 10, items: { contentMediaType: "application/octet-stream" } });
    expect(form.schema.required).toContain("body");
    expect(form.encoding?.attachments?.contentType).toContain("application/pdf");
    expect(op.responses).toHaveProperty("413");
    // Only the post takes a form.
    expect(doc.paths["/api/v1/cases"]!.post!.requestBody.content).not.toHaveProperty("multipart/form-data");
    const page = (await web.inject({ method: "GET", url: "/api/v1/docs" })).body;
    expect(page).toContain("multipart/form-data");
    expect(page).toMatch(/<code>attachments<\/code><\/td><td>array of string<\/td>/);
  });

  it("posts once for the same Idempotency-Key and the same form, and refuses the key with other files", async () => {
    const before = await posts();
    const key = `mp-${id}`;
    const parts: [string, Part][] = [
      ["visibility", "INTERNAL"],
      ["body", "Logs attached."],
      ["attachments", { name: "app.log", type: "application/octet-stream", content: Buffer.from("boot ok\n") }],
    ];
    const first = await send(`/cases/${number}/posts`, parts, { "idempotency-key": key });
    expect(first.statusCode, first.body).toBe(201);
    const again = await send(`/cases/${number}/posts`, parts, { "idempotency-key": key });
    expect(again.statusCode).toBe(201);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.json()).toEqual(first.json());
    expect(await posts()).toBe(before + 1);

    const other = await send(`/cases/${number}/posts`, [...parts.slice(0, 2), ["attachments", { name: "app.log", type: "application/octet-stream", content: Buffer.from("boot FAILED\n") }]], { "idempotency-key": key });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ field: "Idempotency-Key" });
    expect(await posts()).toBe(before + 1);
  }, 60_000);
});

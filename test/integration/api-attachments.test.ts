/**
 * Files on API posts, through the web process (its 1 MiB default body limit is raised for this route only):
 * a public answer with files reaches the customer's mailbox with the same bytes under safe names, the case
 * shows them, and bad or oversized uploads are refused naming the field, with nothing written.
 */
import { createHash, randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../../src/api/tokens.ts";
import { webOptions } from "../../src/app/runtime.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { labConfig, rand, startApp, testEnv, waitForMail, type App } from "../support/harness.ts";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("attachments on API posts", () => {
  const id = rand();
  const customer = `vip-${id}@customer.test`;
  let app: App;
  let web: FastifyInstance;
  let token = "";
  let number = 0;
  const call = (method: "GET" | "POST", url: string, payload?: object) =>
    web.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    app = await startApp(labConfig(id), { env: testEnv(), roles: ["worker"] });
    web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, {}));
    token = (await createToken(app.rt.deps.db, "alice", ["cases:read", "cases:write"]))!.token;
    const created = await call("POST", "/cases", { requester: { email: customer }, subject: `Files ${id}`, description: "Send me the manual." });
    expect(created.statusCode).toBe(201);
    number = created.json<{ number: number }>().number;
  });
  afterAll(async () => {
    await web?.close();
    await app?.close();
  });

  it("mails a public answer's files to the customer byte for byte, under safe names", async () => {
    const manual = randomBytes(1536 * 1024); // over the web process's default 1 MiB body once in base64
    const notes = Buffer.from("line one\nline two\n");
    const r = await call("POST", `/cases/${number}/posts`, {
      visibility: "PUBLIC",
      body: "Here is the manual.",
      attachments: [
        { filename: "manual.pdf", contentType: "application/pdf", content: manual.toString("base64") },
        { filename: "../../etc/notes.txt", contentType: "Text/Plain", content: notes.toString("base64") },
      ],
    });
    expect(r.statusCode, r.body).toBe(201);
    const mail = await waitForMail(customer, (m) => m.attachments.length === 2, "the answer with its files", 40_000);
    expect(mail.text).toContain("Here is the manual.");
    const byName = new Map(mail.attachments.map((a) => [a.filename, a]));
    expect([...byName.keys()].sort()).toEqual(["manual.pdf", "notes.txt"]);
    expect(sha(byName.get("manual.pdf")!.content)).toBe(sha(manual));
    expect(byName.get("manual.pdf")!.contentType).toBe("application/pdf");
    expect(sha(byName.get("notes.txt")!.content)).toBe(sha(notes));

    const view = (await call("GET", `/cases/${number}`)).json<{ case: { stream: { body: string | null; attachments: { filename: string; size: number; sha256: string }[] }[] } }>();
    const post = view.case.stream.find((p) => p.body === "Here is the manual.")!;
    expect(post.attachments).toEqual([
      expect.objectContaining({ filename: "manual.pdf", size: manual.length, sha256: sha(manual) }),
      expect.objectContaining({ filename: "notes.txt", size: notes.length }),
    ]);
  }, 60_000);

  it("refuses bad or oversized files naming the field, and writes nothing", async () => {
    const posts = () => app.rt.deps.db.post.count({ where: { case: { number } } });
    const before = await posts();
    const bad = await call("POST", `/cases/${number}/posts`, { visibility: "INTERNAL", body: "x", attachments: [{ filename: "a.bin", content: "not base64!" }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: "attachments.0.content" });
    const type = await call("POST", `/cases/${number}/posts`, { visibility: "INTERNAL", body: "x", attachments: [{ filename: "a.bin", contentType: "pdf", content: "AAAA" }] });
    expect(type.json()).toMatchObject({ status: 400, field: "attachments.0.contentType" });
    // 10.5 MiB of files: within the body limit, over the files' limit.
    const big = randomBytes(10.5 * 1024 * 1024).toString("base64");
    const over = await call("POST", `/cases/${number}/posts`, { visibility: "INTERNAL", body: "x", attachments: [{ filename: "big.bin", content: big }] });
    expect(over.statusCode).toBe(400);
    expect(over.json()).toMatchObject({ field: "attachments", detail: expect.stringContaining("10 MiB") });
    // Far over: refused before it is parsed.
    const huge = await call("POST", `/cases/${number}/posts`, { visibility: "INTERNAL", body: "x", attachments: [{ filename: "huge.bin", content: big + big }] });
    expect(huge.statusCode).toBe(413);
    expect(huge.headers["content-type"]).toContain("application/problem+json");
    expect(await posts()).toBe(before);
  }, 60_000);
});

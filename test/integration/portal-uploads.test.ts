/**
 * Files and case type on the portal (multipart): a reply and a new case carry attachments through the case
 * write model, downloadable by attachment id; a file of a type not accepted, one whose content contradicts its
 * declared type, one over the size cap, or too many files are refused with a message and nothing is written;
 * a multipart POST without the CSRF token is refused like any other.
 */
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webOptions } from "../../src/app/runtime.ts";
import { PORTAL_UPLOADS } from "../../src/portal/uploads.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { labConfig, rand, startApp, testEnv, type App } from "../support/harness.ts";
import { createCase, pageText, signIn, type Browser } from "../support/portal.ts";

const id = rand();
const sam = `sam-${id}@acme.test`;
let app: App;
let web: FastifyInstance;
let own: { id: number; number: number };

beforeAll(async () => {
  const cfg = labConfig(id, (doc) => {
    (doc.contacts as unknown[]).push({ email: sam, name: "Sam Jones", account: "acme", portal: true });
    doc.portals = [{ key: "customers", path: "/portal", name: "Test portal" }];
  });
  app = await startApp(cfg, { env: testEnv(), roles: ["worker"] });
  web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env, { publicUrl: "http://127.0.0.1:8080", pageRatePerMinute: 1_000_000 }));
  const db = app.rt.deps.db;
  const samId = (await db.contact.findUniqueOrThrow({ where: { email: sam } })).id;
  own = await createCase(db, { subject: "Sam's printer", accountId: (await db.account.findUniqueOrThrow({ where: { key: "acme" } })).id, requester: samId, posts: [{ visibility: "PUBLIC", body: "It jams", authorContactId: samId }] });
}, 120_000);

afterAll(async () => {
  await web?.close();
  await app?.close();
});

type File = { name: string; type: string; content: Buffer };
const PDF = Buffer.from("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n");

/** Posts a multipart form as a browser does, with the session cookie and (unless left out) the page's CSRF token. */
async function postMultipart(b: Browser, pageUrl: string, action: string, fields: Record<string, string>, files: File[], opts: { csrf?: boolean } = {}): Promise<LightMyRequestResponse> {
  const token = await b.csrf(pageUrl);
  const all = opts.csrf === false ? fields : { _csrf: token, ...fields };
  const boundary = `----mc${rand()}`;
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries(all)) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  for (const f of files) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="${f.name}"\r\nContent-Type: ${f.type}\r\n\r\n`), f.content, Buffer.from("\r\n"));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return web.inject({
    method: "POST",
    url: action,
    payload: Buffer.concat(chunks),
    headers: { "content-type": `multipart/form-data; boundary=${boundary}`, cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
  });
}

describe("reply with attachments", () => {
  it("adds the files to the PUBLIC post; they download by attachment id", async () => {
    const db = app.rt.deps.db;
    const b = await signIn(web, db, sam);
    const url = `/portal/cases/${own.number}`;
    expect((await b.get(url)).body).toContain('enctype="multipart/form-data"');
    const res = await postMultipart(b, url, `${url}/reply`, { text: "Logs attached." }, [
      { name: "error log.txt", type: "text/plain", content: Buffer.from("E42 paper jam\n") },
      { name: "manual.pdf", type: "application/pdf", content: PDF },
    ]);
    expect(res.statusCode, res.body).toBe(303);
    const post = await db.post.findFirstOrThrow({ where: { caseId: own.id, source: "PORTAL" }, include: { attachments: true } });
    expect(post.visibility).toBe("PUBLIC");
    expect(post.attachments.map((a) => [a.filename, a.contentType, a.size]).sort()).toEqual([
      ["error log.txt", "text/plain", 14],
      ["manual.pdf", "application/pdf", PDF.length],
    ]);
    const page = (await b.get(url)).body;
    const txt = post.attachments.find((a) => a.filename === "error log.txt")!;
    expect(page).toContain(`/portal/attachments/${txt.id}`);
    const dl = await b.get(`/portal/attachments/${txt.id}`);
    expect(dl.statusCode).toBe(200);
    expect(dl.body).toBe("E42 paper jam\n");
    expect(dl.headers["content-disposition"]).toMatch(/^attachment;/);
  });

  it("refuses a type not accepted, a disguised file, an oversized file, too many files, and a missing CSRF token: nothing written", async () => {
    const db = app.rt.deps.db;
    const b = await signIn(web, db, sam);
    const url = `/portal/cases/${own.number}`;
    const before = await db.post.count({ where: { caseId: own.id } });
    const cases = [
      [[{ name: "setup.exe", type: "application/x-msdownload", content: Buffer.from("MZ\x90") }], "setup.exe: this type of file is not accepted"],
      [[{ name: "invoice.pdf", type: "application/pdf", content: Buffer.from("MZ\x90 not a pdf") }], "invoice.pdf: this type of file is not accepted"],
      [[{ name: "huge.txt", type: "text/plain", content: Buffer.alloc(PORTAL_UPLOADS.maxFileBytes + 1, 97) }], "huge.txt is larger than 10 MB"],
      [Array.from({ length: PORTAL_UPLOADS.maxFiles + 1 }, (_, i) => ({ name: `f${i}.txt`, type: "text/plain", content: Buffer.from("x") })), `At most ${PORTAL_UPLOADS.maxFiles} files`],
    ] as const;
    for (const [files, message] of cases) {
      const res = await postMultipart(b, url, `${url}/reply`, { text: "with a bad file" }, [...files]);
      expect(res.statusCode, message).toBe(400);
      expect(pageText(res.body)).toContain(message);
    }
    const noToken = await postMultipart(b, url, `${url}/reply`, { text: "forged" }, [{ name: "a.txt", type: "text/plain", content: Buffer.from("a") }], { csrf: false });
    expect(noToken.statusCode).toBe(403);
    expect(await db.post.count({ where: { caseId: own.id } })).toBe(before);
  });
});

describe("new case with type and attachments", () => {
  it("opens the case with the chosen type and the files on its opening post; an unknown type is refused", async () => {
    const db = app.rt.deps.db;
    const b = await signIn(web, db, sam);
    const form = (await b.get("/portal/cases/new")).body;
    expect(form).toContain('<select id="type" name="type">');
    const subject = `Broken screen ${id}`;
    const res = await postMultipart(b, "/portal/cases/new", "/portal/cases/new", { subject, description: "Cracked.", type: "INCIDENT" }, [{ name: "photo.pdf", type: "application/pdf", content: PDF }]);
    expect(res.statusCode, res.body).toBe(303);
    const c = await db.case.findFirstOrThrow({ where: { subject }, include: { posts: { include: { attachments: true } } } });
    expect(c).toMatchObject({ origin: "PORTAL", type: "INCIDENT" });
    expect(c.posts[0]!.attachments.map((a) => a.filename)).toEqual(["photo.pdf"]);
    const bad = await postMultipart(b, "/portal/cases/new", "/portal/cases/new", { subject: `Bad type ${id}`, description: "x", type: "SECRET_ESCALATION" }, []);
    expect(bad.statusCode).toBe(400);
    expect(await db.case.count({ where: { subject: `Bad type ${id}` } })).toBe(0);
    // Plain (urlencoded) forms still work: no type means a question.
    const plain = await b.submit("/portal/cases/new", "/portal/cases/new", { subject: `Plain ${id}`, description: "no files" });
    expect(plain.statusCode).toBe(303);
    expect((await db.case.findFirstOrThrow({ where: { subject: `Plain ${id}` } })).type).toBe("QUESTION");
  });
});

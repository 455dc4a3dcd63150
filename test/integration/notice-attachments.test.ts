/**
 * Customer attachments in agents' notices, on the real services: a file up to
 * automation.noticeAttachmentMaxBytes travels with the new-case notice; a larger one is listed with a signed
 * download link served by the web process without any sign-in, always as a download; a tampered or expired
 * link is refused.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webOptions } from "../../src/app/runtime.ts";
import { signAttachment } from "../../src/links/signed-links.ts";
import { buildWebApp } from "../../src/web/server.ts";
import { labConfig, rand, sendMail, startApp, waitFor, waitForMail, type App } from "../support/harness.ts";

describe("customer attachments in agents' notices", () => {
  const id = rand();
  const vip = `vip-${id}@customer.test`;
  const alice = `alice-${id}@helpdesk.test`;
  const small = Buffer.from("serial: SN-4711\n".repeat(20));
  const large = Buffer.from("scan line of the broken device\n".repeat(200));
  let app: App;
  let web: FastifyInstance;

  beforeAll(async () => {
    app = await startApp(labConfig(id, (doc) => (doc.automation = { noticeAttachmentMaxBytes: 2_000 })));
    web = await buildWebApp(app.rt.deps, app.rt.redis, webOptions(app.rt.env));
  });
  afterAll(async () => {
    await web?.close();
    await app?.close();
  });

  it("attaches the small file and links the large one, downloadable without signing in", async () => {
    expect(small.length).toBeLessThanOrEqual(2_000);
    expect(large.length).toBeGreaterThan(2_000);
    await sendMail({
      from: vip,
      to: app.support,
      subject: "Device broken",
      text: "See the files.",
      attachments: [
        { filename: "serial.txt", content: small, contentType: "text/plain" },
        { filename: "scan.txt", content: large, contentType: "text/plain" },
      ],
    });
    const c = await waitFor(() => app.rt.deps.db.case.findFirst({ where: { subject: "Device broken" } }), "case");
    const notice = await waitForMail(alice, (m) => m.subject?.includes(`[MC-${c.number}] New case`) ?? false, "new-case notice");
    expect(notice.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([["serial.txt", small.toString()]]);
    expect(notice.text).toContain("Attachments too large to include");
    const link = /- scan\.txt \([\d.]+ MiB\): http:\/\/127\.0\.0\.1:\d+(\/files\/\S+)/.exec(notice.text!);
    expect(link, notice.text).not.toBeNull();
    const res = await web.inject({ method: "GET", url: link![1]! });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-disposition"]).toMatch(/^attachment; filename="scan\.txt"/);
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.body).toBe(large.toString());

    // The signature binds the file and the expiry: another file id, a later expiry, an expired link are refused.
    const [fileId, expires, sig] = link![1]!.split("/").pop()!.split(".");
    const otherFile = (await app.rt.deps.db.postAttachment.findFirstOrThrow({ where: { filename: "serial.txt" } })).id;
    for (const forged of [`${otherFile}.${expires}.${sig}`, `${fileId}.${Number(expires) + 86_400}.${sig}`, signAttachment(app.rt.deps.secret, { attachmentId: Number(fileId), expires: Math.floor(Date.now() / 1000) - 1 })]) {
      expect((await web.inject({ method: "GET", url: `/files/${forged}` })).statusCode, forged).toBe(404);
    }
  }, 60_000);
});

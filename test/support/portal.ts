/**
 * Portal test helpers: a browser-like cookie jar over Fastify's inject(), the sign-in a user does (request a
 * link, read it from the mail Mailcase wrote, press the button), and a case factory writing through Prisma.
 */
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { expect } from "vitest";
import type { Db } from "../../src/db/client.ts";
import type { Visibility } from "../../src/generated/prisma/client.ts";
import { waitFor } from "./harness.ts";

export class Browser {
  readonly cookies = new Map<string, string>();
  constructor(
    private readonly app: FastifyInstance,
    private readonly headers: Record<string, string> = {},
  ) {}

  async request(method: "GET" | "POST", url: string, form?: Record<string, string>, extra: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({
      method,
      url,
      headers: {
        ...this.headers,
        ...(this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") } : {}),
        ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        ...extra,
      },
      ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
    });
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      if (c.value === "" || c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now())) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }

  get(url: string) {
    return this.request("GET", url);
  }

  /** The CSRF token of the form on a page. */
  async csrf(pageUrl: string): Promise<string> {
    const res = await this.get(pageUrl);
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (!m?.[1]) throw new Error(`no CSRF token on ${pageUrl} (${res.statusCode})`);
    return m[1];
  }

  /** Submits a form found on `pageUrl` to `action`, as a browser does (token from the page). */
  async submit(pageUrl: string, action: string, fields: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const _csrf = await this.csrf(pageUrl);
    return this.request("POST", action, { _csrf, ...fields });
  }
}

/** The link and code of the newest sign-in mail written for `email` (the mail's own text). */
export async function signInMail(db: Db, email: string, after = 0): Promise<{ id: number; link: string; code: string; headers: unknown }> {
  const row = await waitFor(
    () => db.outboundMail.findFirst({ where: { kind: "SIGN_IN", toAddress: email, id: { gt: after }, dedupeKey: { startsWith: "sign_in-0-0-t" } }, orderBy: { id: "desc" } }),
    `sign-in mail to ${email}`,
    10_000,
  );
  const link = /https?:\/\/\S+\/sign-in\/[A-Za-z0-9_-]{43}/.exec(row.text)?.[0];
  const code = /\b(\d{6})\b/.exec(row.text)?.[1];
  if (!link || !code) throw new Error(`sign-in mail without link or code: ${row.text}`);
  return { id: row.id, link: new URL(link).pathname, code, headers: row.headers };
}

export async function lastSignInMailId(db: Db): Promise<number> {
  return (await db.outboundMail.findFirst({ where: { kind: "SIGN_IN" }, orderBy: { id: "desc" }, select: { id: true } }))?.id ?? 0;
}

/** Signs `email` in through the link, as a person does; returns the browser holding the session. */
export async function signIn(app: FastifyInstance, db: Db, email: string, base = "/portal"): Promise<Browser> {
  const b = new Browser(app);
  const after = await lastSignInMailId(db);
  const sent = await b.submit(`${base}/sign-in`, `${base}/sign-in`, { email });
  expect(sent.statusCode).toBe(200);
  const mail = await signInMail(db, email, after);
  const done = await b.submit(mail.link, mail.link);
  expect(done.statusCode, done.body).toBe(303);
  return b;
}

export interface PostSpec {
  visibility: Visibility;
  body: string;
  authorAgentId?: number;
  authorContactId?: number;
  addresseeContactId?: number;
  attachments?: { filename: string; data: string; contentType?: string }[];
}

export async function createCase(
  db: Db,
  spec: { subject: string; accountId?: number | null; groupId?: number | null; internal?: boolean; status?: "NEW" | "WAITING_ON_CUSTOMER" | "CLOSED" | "IN_PROGRESS" | "RESOLVED"; requester: number; cc?: number[]; posts?: PostSpec[] },
): Promise<{ id: number; number: number; postIds: number[]; attachmentIds: number[] }> {
  const area = await db.area.findFirstOrThrow();
  const c = await db.case.create({
    data: {
      subject: spec.subject,
      description: spec.posts?.[0]?.body ?? spec.subject,
      areaId: area.id,
      accountId: spec.accountId ?? null,
      groupId: spec.groupId ?? null,
      internal: spec.internal ?? false,
      status: spec.status ?? "NEW",
      routing: {},
      contacts: { create: [{ contactId: spec.requester, role: "REQUESTER" }, ...(spec.cc ?? []).map((contactId) => ({ contactId, role: "CC" as const }))] },
    },
  });
  const postIds: number[] = [];
  const attachmentIds: number[] = [];
  for (const p of spec.posts ?? []) {
    const post = await db.post.create({
      data: {
        caseId: c.id,
        visibility: p.visibility,
        source: p.authorAgentId ? "AGENT_EMAIL" : "CUSTOMER_EMAIL",
        authorAgentId: p.authorAgentId ?? null,
        authorContactId: p.authorContactId ?? null,
        addresseeContactId: p.addresseeContactId ?? null,
        subject: spec.subject,
        body: p.body,
        threadRule: "test",
      },
    });
    postIds.push(post.id);
    for (const a of p.attachments ?? []) {
      const data = Buffer.from(a.data);
      const sha256 = (await import("node:crypto")).createHash("sha256").update(data).digest("hex");
      await db.blob.upsert({ where: { sha256 }, create: { sha256, size: data.length, data }, update: {} });
      const att = await db.postAttachment.create({ data: { postId: post.id, sha256, filename: a.filename, contentType: a.contentType ?? "text/plain", size: data.length } });
      attachmentIds.push(att.id);
    }
  }
  return { id: c.id, number: Number(c.number), postIds, attachmentIds };
}

/** A page as a user sees it, without the per-response CSRF token (to compare two pages). */
export const pageText = (body: string): string => body.replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value=""');

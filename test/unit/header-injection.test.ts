/**
 * Header injection along the real outbound path: customer-controlled values (subject, display name,
 * addresses, Message-IDs) go through our parser, templates, subject tagging and header composition, then
 * through sendOutbound() exactly as it calls the transport, are built into a raw message by nodemailer's
 * MailComposer and parsed back with mailparser. No extra header and no extra recipient may appear.
 */
import { simpleParser, type AddressObject, type ParsedMail } from "mailparser";
import MailComposer from "nodemailer/lib/mail-composer";
import type { Options as MailOptions } from "nodemailer/lib/mailer";
import { describe, expect, it } from "vitest";
import type { Deps } from "../../src/kernel/deps.ts";
import type { OutboundKind } from "../../src/kernel/domain-types.ts";
import { composeHeaders } from "../../src/case/compose.ts";
import { sendOutbound } from "../../src/pipeline/send/send.service.ts";
import type { Transport } from "../../src/pipeline/send/transport.ts";
import { parseMessage } from "../../src/parsing/parse-message.ts";
import { TemplateRenderer, type TemplateName } from "../../src/render/templates.ts";
import { replyAddress, signReplyToken } from "../../src/threading/reply-token.ts";
import { stripReplyPrefixes, taggedSubject } from "../../src/threading/subject.ts";

const MAILBOX = "support@helpdesk.test";
const CUSTOMER = "jana@customer.test";
const AGENT = "alice@helpdesk.test";
const templates = new TemplateRenderer();
const TEMPLATE = { ACK: "ack", NEW_CASE: "new-case", UPDATE: "update", REPLY: "reply" } as const satisfies Partial<Record<OutboundKind, TemplateName>>;
type Kind = keyof typeof TEMPLATE;

/** Payloads that try to end a header line and start one of their own. */
const PAYLOADS = [
  "Help\r\nBcc: evil@x.test",
  "Help\nX-Injected: 1",
  "Help\rBcc: evil@x.test",
  "Help\r\n\r\nX-Injected: 1",
  "Help\r\n Bcc: evil@x.test",
  "Help\u2028Bcc: evil@x.test\u0085X-Injected: 1",
  "Help\u0000\r\nBcc: evil@x.test",
  "=?utf-8?Q?Help=0D=0ABcc:_evil@x.test?=",
  `=?utf-8?B?${Buffer.from("Help\r\nBcc: evil@x.test").toString("base64")}?=`,
  "=?utf-8?Q?Help?=\r\n =?utf-8?Q?=0D=0AX-Injected:_1?=",
  `${"Help ".repeat(30)}\r\nBcc: evil@x.test`,
  "Help Žluťoučký 打印机\r\nBcc: evil@x.test",
];

interface Row {
  id: number;
  status: "PENDING";
  kind: Kind;
  caseId: number;
  messageId: string;
  fromName: string;
  fromAddress: string;
  toAddress: string;
  replyTo: string | null;
  subject: string;
  text: string;
  html: string | null;
  inReplyTo: string | null;
  references: string[];
  headers: Record<string, string>;
}

/** A row as notify.service.ts writes it, from a case subject and the inbound message ids of the thread. */
function plannedRow(o: {
  kind: Kind;
  caseSubject: string;
  toAddress: string;
  recipientName?: string;
  toAgent?: boolean;
  threadIds?: string[];
  parentId?: string | null;
  fromName?: string;
  body?: string;
}): Row {
  const composed = composeHeaders({
    kind: o.kind,
    caseId: 7,
    postId: 9,
    recipientKey: o.toAgent ? "a1" : "c3",
    domain: "helpdesk.test",
    threadIds: o.threadIds ?? ["root@customer.test"],
    parentId: o.parentId === undefined ? "last@customer.test" : o.parentId,
  });
  const view = {
    tag: "[MC-7]",
    caseRef: "MC-7",
    subject: o.caseSubject,
    supportName: "ACME Support",
    body: o.body ?? "The printer is on fire.",
    authorName: o.recipientName ?? "Jana",
    internal: false,
    fromName: o.recipientName ?? "Jana",
    fromAddress: o.toAddress,
    groupName: "(none)",
    areaName: "Helpdesk",
    ownerName: "(unassigned)",
    teamName: "(none)",
    priority: "NORMAL",
    firstResponseDue: "none",
    resolutionDue: "none",
    contactName: o.recipientName ?? "Jana",
    agentName: "Alice",
    arrivalOnly: false,
    forAgent: Boolean(o.toAgent),
    fields: [],
    articles: [],
  };
  const rendered = templates.render("en", TEMPLATE[o.kind], view);
  return {
    id: 1,
    status: "PENDING",
    kind: o.kind,
    caseId: 7,
    messageId: composed.messageId,
    fromName: o.fromName ?? "ACME Support",
    fromAddress: MAILBOX,
    toAddress: o.toAddress,
    replyTo: o.toAgent ? replyAddress(MAILBOX, signReplyToken("s3cret", { caseId: 7, agentId: 1, visibility: "public" })) : MAILBOX,
    subject: o.kind === "NEW_CASE" ? rendered.subject : taggedSubject("MC", 7, rendered.subject),
    text: rendered.text,
    html: rendered.html,
    inReplyTo: composed.inReplyTo,
    references: composed.references,
    headers: composed.headers,
  };
}

/** Runs the real sendOutbound() against one row and returns exactly what it handed to the transport. */
async function sendOptions(row: Row): Promise<MailOptions> {
  const sent: MailOptions[] = [];
  const transport = {
    smtp: {
      sendMail: async (options: MailOptions) => {
        sent.push(options);
        return { response: "250 ok" };
      },
    },
    // The SENT mark's connection (sent-marks.ts): its statement is not what this test is about.
    marks: { connect: async () => ({ query: async () => ({ rowCount: 1 }), release: () => undefined }) },
  } as unknown as Transport;
  const deps = {
    clock: { now: () => new Date("2025-03-01T10:00:00Z") },
    db: {
      outboundMail: {
        findUnique: async () => row,
        // The claim of a mail sent on its own returns the row (send.service.ts claimDirect); an update waits for coalescing.
        updateManyAndReturn: async () => (row.kind === "UPDATE" && row.caseId !== null ? [] : [row]),
        updateMany: async () => ({ count: 1 }),
        update: async () => row,
      },
      postAttachment: { findMany: async () => [] },
      post: { findMany: async () => [] },
      $transaction: async <T>(fn: (tx: unknown) => Promise<T>) =>
        fn({ $queryRaw: async () => [{ id: row.id }], outboundMail: { updateMany: async () => ({ count: 1 }), findMany: async () => [row] } }),
    },
  } as unknown as Deps;
  expect(await sendOutbound(deps, transport, row.id, false)).toEqual({ kind: "sent", response: "250 ok" });
  expect(sent).toHaveLength(1);
  return sent[0]!;
}

interface Built {
  raw: string;
  envelope: { from: string | false; to: string[] };
  parsed: ParsedMail;
  headerNames: string[];
}

async function build(options: MailOptions): Promise<Built> {
  const node = new MailComposer(options as ConstructorParameters<typeof MailComposer>[0]).compile();
  const raw = (await node.build()).toString("utf8");
  const headerBlock = raw.slice(0, raw.indexOf("\r\n\r\n"));
  // Unfolded header lines: a continuation starts with whitespace and belongs to the line before it.
  const headerNames = headerBlock
    .replace(/\r\n[ \t]/g, " ")
    .split("\r\n")
    .map((l) => l.slice(0, l.indexOf(":")).toLowerCase());
  return { raw, envelope: node.getEnvelope() as Built["envelope"], parsed: await simpleParser(raw), headerNames };
}

const addresses = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => v.address));

const BASE_HEADERS = ["content-type", "date", "from", "message-id", "mime-version", "reply-to", "subject", "to", "x-mailcase-case"];

function expectClean(b: Built, to: string, extra: string[] = []): void {
  expect(b.parsed.headers.has("bcc")).toBe(false);
  expect(b.parsed.headers.has("x-injected")).toBe(false);
  // Header lines are CRLF-separated on the wire (U+2028/U+0085 inside a value are just bytes, not breaks).
  expect(b.headerNames.filter((h) => h === "bcc" || h === "x-injected")).toEqual([]);
  expect(b.envelope.to).toEqual([to]);
  expect(b.envelope.from).toBe(MAILBOX);
  expect(addresses(b.parsed.to)).toEqual([to]);
  expect(b.parsed.cc).toBeUndefined();
  expect(b.parsed.bcc).toBeUndefined();
  expect(addresses(b.parsed.from)).toEqual([MAILBOX]);
  expect([...new Set(b.headerNames)].sort()).toEqual([...BASE_HEADERS, ...extra].sort());
  // Every header occurs once: nothing was split off into a second From/To/Subject.
  expect(b.headerNames.length).toBe(new Set(b.headerNames).size);
}

const THREAD_HEADERS = ["in-reply-to", "references"];
const AUTO_HEADERS = ["auto-submitted", "x-auto-response-suppress"];

describe("customer subject", () => {
  it.each(PAYLOADS)("%j stays inside Subject on every kind of mail", async (payload) => {
    for (const kind of ["ACK", "NEW_CASE", "UPDATE", "REPLY"] as const) {
      const toAgent = kind === "NEW_CASE";
      const to = toAgent ? AGENT : CUSTOMER;
      const b = await build(await sendOptions(plannedRow({ kind, caseSubject: payload, toAddress: to, toAgent })));
      const extra = [...THREAD_HEADERS, ...(kind === "REPLY" ? [] : AUTO_HEADERS), ...(kind === "NEW_CASE" || kind === "UPDATE" ? ["precedence"] : [])];
      expectClean(b, to, extra);
      expect(b.parsed.subject).toMatch(/^\[MC-7\] /);
      expect(b.parsed.subject).toContain("Help");
    }
  });

  it("keeps the decoded text of a customer's subject, with line breaks flattened", async () => {
    const b = await build(await sendOptions(plannedRow({ kind: "REPLY", caseSubject: "Tiskárna\r\nBcc: evil@x.test", toAddress: CUSTOMER })));
    expect(b.parsed.subject).toBe("[MC-7] Tiskárna Bcc: evil@x.test");
  });
});

describe("the whole path from an inbound mail", () => {
  /** Inbound raw → our parser → case subject / contact, as ingest stores them → outbound REPLY and ACK. */
  async function roundTrip(inbound: string, kind: Kind = "REPLY") {
    const msg = await parseMessage(Buffer.from(inbound));
    const sender = msg.from?.address ?? null;
    if (!sender) return null;
    const caseSubject = (stripReplyPrefixes(msg.subject) || "(no subject)").trim().slice(0, 255);
    const row = plannedRow({
      kind,
      caseSubject,
      toAddress: sender,
      recipientName: msg.from?.name || sender,
      threadIds: msg.messageId ? [msg.messageId] : [],
      parentId: msg.messageId,
      body: msg.text,
    });
    return { sender, built: await build(await sendOptions(row)) };
  }

  const inbound = (headers: string) => `${headers}\r\nTo: ${MAILBOX}\r\nDate: Sat, 1 Mar 2025 10:00:00 +0000\r\n\r\nThe printer is on fire.\r\n`;

  it.each([
    ["encoded CRLF in the subject", `From: Jana <${CUSTOMER}>\r\nSubject: =?utf-8?Q?Help=0D=0ABcc:_evil@x.test?=\r\nMessage-ID: <m1@customer.test>`],
    ["base64 CRLF in the subject", `From: Jana <${CUSTOMER}>\r\nSubject: =?utf-8?B?${Buffer.from("Help\r\nX-Injected: 1").toString("base64")}?=\r\nMessage-ID: <m1@customer.test>`],
    ["encoded CRLF in the display name", `From: =?utf-8?B?${Buffer.from("Jana\r\nBcc: evil@x.test").toString("base64")}?= <${CUSTOMER}>\r\nSubject: Help\r\nMessage-ID: <m1@customer.test>`],
    ["an encoded address in the display name", `From: =?utf-8?Q?evil=40x.test=2C?= <${CUSTOMER}>\r\nSubject: Help\r\nMessage-ID: <m1@customer.test>`],
    ["a quoted display name holding an address list", `From: "evil@x.test, Bcc: evil@x.test" <${CUSTOMER}>\r\nSubject: Help\r\nMessage-ID: <m1@customer.test>`],
    ["a comment holding an address", `From: ${CUSTOMER} (evil@x.test, Bcc: evil@x.test)\r\nSubject: Help\r\nMessage-ID: <m1@customer.test>`],
    ["a second From address", `From: ${CUSTOMER}, evil@x.test\r\nSubject: Help\r\nMessage-ID: <m1@customer.test>`],
    ["a folded Message-ID with a header inside", `From: ${CUSTOMER}\r\nSubject: Help\r\nMessage-ID: <m1@customer.test>\r\n Bcc: evil@x.test`],
    ["a Message-ID with angle brackets and CRLF encoded", `From: ${CUSTOMER}\r\nSubject: Help\r\nMessage-ID: <m1@customer.test>=0D=0ABcc:evil@x.test>`],
  ])("%s", async (_label, headers) => {
    for (const kind of ["ACK", "REPLY"] as const) {
      const r = await roundTrip(inbound(headers), kind);
      expect(r?.sender).toBe(CUSTOMER);
      expectClean(r!.built, CUSTOMER, [...THREAD_HEADERS, ...(kind === "ACK" ? AUTO_HEADERS : [])]);
    }
  });

  it("a quoted local part with a comma is not an address we mail: no sender, so the message is quarantined", async () => {
    const r = await roundTrip(inbound(`From: <"evil@x.test, victim"@customer.test>\r\nSubject: Help\r\nMessage-ID: <m1@customer.test>`));
    expect(r).toBeNull();
  });

  /*
   * Recipient injection: mailparser returns the content of an angle address verbatim, so
   * `From: <attacker@evil.test,victim@corp.test>` used to become the contact address
   * "attacker@evil.test,victim@corp.test", which nodemailer, given a string, splits into two recipients.
   * parse-message.ts now refuses such an address (no sender: quarantine) and send.service.ts hands
   * nodemailer address objects, which it never re-splits.
   */
  it.each([
    [`<attacker@evil.test,${CUSTOMER}>`],
    [`<attacker@evil.test;${CUSTOMER}>`],
    [`Jana <attacker@evil.test:${CUSTOMER}>`],
    [`<grp:attacker@evil.test,${CUSTOMER};>`],
  ])("From %s never fans out to a second recipient", async (from) => {
    const r = await roundTrip(inbound(`From: ${from}\r\nSubject: Help\r\nMessage-ID: <m1@customer.test>`));
    // Either the address is refused at ingest (no sender → quarantine) or it reaches exactly one mailbox.
    if (r) {
      expect(r.built.envelope.to).toHaveLength(1);
      expect(r.built.envelope.to).not.toContain("attacker@evil.test");
      expect(r.built.envelope.to).not.toContain(CUSTOMER);
    }
  });

  it("the suggested fix: an address object (not a string) is never re-parsed into a list", async () => {
    const listy = `attacker@evil.test,${CUSTOMER}`;
    const options = await sendOptions(plannedRow({ kind: "REPLY", caseSubject: "Help", toAddress: listy }));
    const fixed = { ...options, to: { name: "", address: listy }, envelope: { from: MAILBOX, to: [{ name: "", address: listy }] } };
    const b = await build(fixed as MailOptions);
    expect(b.envelope.to).toHaveLength(1);
    expect(b.envelope.to).not.toContain("attacker@evil.test");
    expect(b.envelope.to).not.toContain(CUSTOMER);
  });
});

describe("values we put into headers ourselves", () => {
  it.each(PAYLOADS)("From display name %j", async (payload) => {
    const b = await build(await sendOptions(plannedRow({ kind: "REPLY", caseSubject: "Help", toAddress: CUSTOMER, fromName: `${payload} via ACME Support` })));
    expectClean(b, CUSTOMER, THREAD_HEADERS);
    const from = b.parsed.from?.value ?? [];
    expect(from).toHaveLength(1);
    expect(from[0]!.name).toContain("via ACME Support");
  });

  it.each(PAYLOADS)("In-Reply-To / References %j", async (payload) => {
    const b = await build(
      await sendOptions(plannedRow({ kind: "UPDATE", caseSubject: "Help", toAddress: CUSTOMER, threadIds: [`root@x${payload}`], parentId: `${payload}@x.test` })),
    );
    expectClean(b, CUSTOMER, [...THREAD_HEADERS, ...AUTO_HEADERS, "precedence"]);
  });

  it.each([
    `${CUSTOMER}\r\nBcc: evil@x.test`,
    `${CUSTOMER}\nX-Injected: 1`,
    `${CUSTOMER}\rBcc: evil@x.test`,
    `=?utf-8?Q?=0D=0ABcc:_evil@x.test?= <${CUSTOMER}>`,
  ])("Reply-To %j", async (replyTo) => {
    const row = { ...plannedRow({ kind: "REPLY", caseSubject: "Help", toAddress: CUSTOMER }), replyTo };
    const b = await build(await sendOptions(row));
    expect(b.parsed.headers.has("bcc")).toBe(false);
    expect(b.parsed.headers.has("x-injected")).toBe(false);
    expect(b.envelope.to).toEqual([CUSTOMER]);
    expect(addresses(b.parsed.to)).toEqual([CUSTOMER]);
    expect(b.headerNames.filter((h) => h === "bcc" || h === "x-injected")).toEqual([]);
  });

  it("composeHeaders' own headers arrive unchanged", async () => {
    const b = await build(await sendOptions(plannedRow({ kind: "UPDATE", caseSubject: "Help", toAddress: CUSTOMER })));
    expect(b.parsed.headers.get("auto-submitted")).toBe("auto-generated");
    expect(b.parsed.headers.get("x-mailcase-case")).toBe("7");
    expect(b.parsed.messageId).toBe("<mc.update.7.9.c3@helpdesk.test>");
    expect(b.parsed.inReplyTo).toBe("<last@customer.test>");
  });
});

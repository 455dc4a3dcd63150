/**
 * Web-to-case without an account (portal.md §3.5). A submission that passed the form's defences becomes:
 *
 * - for a signed-in portal user sending with their own address: a case at once;
 * - for anyone else: a pending WebFormRequest (its data kept) and a confirmation mail to the address the form
 *   named. Nothing is routed, clocked or acknowledged until the link in that mail is confirmed, so nobody can
 *   open cases in someone else's name (freescout#1602) and the form cannot make us mail cases to strangers.
 *
 * Confirming consumes the request with one conditional UPDATE (unused and unexpired) in the transaction that
 * opens the case, so two presses open one case. The case opens through the same path as mail (openCase:
 * routed, SLA contract and due times, followers, acknowledgement by the notify stage), origin WEB.
 * The confirmation mail is an automatic SIGN_IN-kind mail: answers to it are never filed as cases.
 */
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { openCase } from "../case/open-case.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import type { Deps } from "../kernel/deps.ts";
import type { ParsedAttachment } from "../parsing/parsed-message.ts";
import { enqueueNotify } from "../pipeline/notify/notify.job.ts";
import { enqueueSend } from "../pipeline/send/send.job.ts";
import { scheduleSla } from "../pipeline/sla/sla-watch.service.ts";
import { writePortalMail } from "./portal-mail.ts";
import { localize, type WebFormConfig } from "./web-form-config.ts";
import { caseDescription, type Submission } from "./web-form-fields.ts";
import type { PortalLanguage } from "./portal-config.ts";
import { loadWebForm } from "./web-form-store.ts";
import { loadCatalogue } from "../case/case-fields-store.ts";
import { checkFields, StoredFieldsSchema, type FieldValue, type StoredFields } from "../case/custom-fields.ts";
import { customerFieldDefs } from "./case-field-form.ts";
import { openingCustom } from "./portal-writes.ts";

type Tx = Prisma.TransactionClient;

/** A file received with the form, already stored (Blob, by content hash). */
export interface StoredFile {
  sha256: string;
  filename: string;
  originalFilename: string;
  contentType: string;
  size: number;
}

const StoredData = z.object({
  subject: z.string(),
  description: z.string(),
  fields: z.array(z.object({ key: z.string(), label: z.string(), value: z.string() })),
  files: z.array(z.object({ sha256: z.string(), filename: z.string(), originalFilename: z.string(), contentType: z.string(), size: z.number().int() })),
  /** Catalogue field values, checked when submitted (requests stored before forms had them: none). */
  caseFields: StoredFieldsSchema.default({}),
});

export type SubmitOutcome = { kind: "opened"; caseId: number; number: number } | { kind: "pending"; requestId: number } | { kind: "no-mailbox" };
export type ConfirmOutcome = { kind: "opened"; caseId: number; number: number; form: WebFormConfig | null; lang: string } | { kind: "invalid" };

const sha256Hex = (v: string) => createHash("sha256").update(v).digest("hex");

export async function submitWebForm(
  deps: Deps,
  form: WebFormConfig,
  input: { submission: Submission; caseFields: StoredFields; files: readonly StoredFile[]; lang: PortalLanguage; publicUrl: string; signedInContactId: number | null },
): Promise<SubmitOutcome> {
  const { submission } = input;
  if (input.signedInContactId !== null) {
    const contact = await deps.db.contact.findUnique({ where: { id: input.signedInContactId } });
    // Signed in, and the form names their own address: they proved it when they signed in.
    if (contact?.portalUser && contact.email === submission.email) {
      const opened = await deps.db.$transaction((tx) => openWebCase(tx, deps, form, { email: submission.email, name: submission.name, data: { ...submission, caseFields: input.caseFields, files: [...input.files] } }));
      if (!opened) return { kind: "no-mailbox" };
      await afterOpen(deps, opened);
      return { kind: "opened", caseId: opened.caseId, number: opened.number };
    }
  }
  const mailbox = await deps.db.mailbox.findFirst({ where: { key: form.mailbox, active: true } });
  if (!mailbox) return { kind: "no-mailbox" };
  const now = deps.clock.now();
  const token = randomBytes(32).toString("base64url");
  const data = { subject: submission.subject, description: submission.description, fields: submission.fields, caseFields: input.caseFields, files: [...input.files] } satisfies z.infer<typeof StoredData>;
  const result = await deps.db.$transaction(async (tx) => {
    const row = await tx.webFormRequest.create({
      data: { formKey: form.key, email: submission.email, name: submission.name, tokenHash: sha256Hex(token), data: JSON.parse(JSON.stringify(data)) as Prisma.InputJsonObject, lang: input.lang, expiresAt: new Date(now.getTime() + form.confirmHours * 3600_000) },
    });
    const contact = await tx.contact.findUnique({ where: { email: submission.email }, select: { id: true, locale: true, name: true } });
    const rendered = deps.templates.render(input.lang, "web-form-confirm", {
      name: submission.name || contact?.name || submission.email,
      formTitle: localize(form.title, input.lang),
      subject: submission.subject,
      supportName: mailbox.displayName,
      link: `${input.publicUrl}/forms/confirm/${token}`,
      hours: form.confirmHours,
    });
    const outboundId = await writePortalMail(tx, { recipientKey: `w${row.id}`, contactId: contact?.id ?? null, to: submission.email, rendered, mailbox });
    return { requestId: row.id, outboundId };
  });
  if (result.outboundId !== null) await enqueueSend(deps.queues.send, [result.outboundId]);
  return { kind: "pending", requestId: result.requestId };
}

/** Consumes a confirmation token once and opens its case; null-like "invalid" for unknown, used or expired. */
export async function confirmWebForm(deps: Deps, token: string): Promise<ConfirmOutcome> {
  const now = deps.clock.now();
  const opened = await deps.db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: number; formKey: string; email: string; name: string | null; data: unknown; lang: string }[]>`
      UPDATE "WebFormRequest" SET "confirmedAt" = ${now}
      WHERE "tokenHash" = ${sha256Hex(token)} AND "confirmedAt" IS NULL AND "expiresAt" > ${now}
      RETURNING id, "formKey", email, name, data, lang`;
    const row = rows[0];
    if (!row) return null;
    // A form removed from the file since: the request was made while it was served, so it still opens,
    // with the definition as stored (mailbox, area, type).
    const loaded = await loadWebForm(tx, row.formKey, { includeInactive: true });
    if (loaded.kind !== "form") throw new Error(`web form ${row.formKey} of request #${row.id} is ${loaded.kind}`);
    const data = StoredData.parse(row.data);
    const c = await openWebCase(tx, deps, loaded.form, { email: row.email, name: row.name, data });
    if (!c) throw new Error(`web form ${row.formKey}: mailbox ${loaded.form.mailbox} is not active`);
    await tx.webFormRequest.update({ where: { id: row.id }, data: { caseId: c.caseId } });
    return { ...c, form: loaded.form, lang: row.lang };
  });
  if (!opened) return { kind: "invalid" };
  await afterOpen(deps, opened);
  return { kind: "opened", caseId: opened.caseId, number: opened.number, form: opened.form, lang: opened.lang };
}

async function afterOpen(deps: Deps, opened: { caseId: number; postId: number; schedule: unknown }): Promise<void> {
  await scheduleSla(deps, [opened.caseId], [opened.schedule]);
  await enqueueNotify(deps.queues.notify, [{ v: 1, postId: opened.postId, event: "case-opened" }]);
}

async function openWebCase(tx: Tx, deps: Deps, form: WebFormConfig, req: { email: string; name: string | null; data: z.infer<typeof StoredData> }) {
  const mailbox = await tx.mailbox.findFirst({ where: { key: form.mailbox, active: true } });
  if (!mailbox) return null;
  const domain = req.email.slice(req.email.lastIndexOf("@") + 1);
  const account = await tx.account.findFirst({ where: { domains: { has: domain } }, select: { id: true } });
  const requester = await tx.contact.upsert({ where: { email: req.email }, create: { email: req.email, name: req.name, accountId: account?.id ?? null }, update: {} });
  const blobs = req.data.files.length ? await tx.blob.findMany({ where: { sha256: { in: req.data.files.map((f) => f.sha256) } } }) : [];
  const content = new Map(blobs.map((b) => [b.sha256, Buffer.from(b.data)]));
  const attachments: ParsedAttachment[] = req.data.files.flatMap((f) => {
    const data = content.get(f.sha256);
    return data ? [{ filename: f.filename, originalFilename: f.originalFilename, contentType: f.contentType, size: f.size, contentId: null, inline: false, sha256: f.sha256, content: data }] : [];
  });
  const description = caseDescription({ email: req.email, name: req.name, subject: req.data.subject, description: req.data.description, fields: req.data.fields });
  const opened = await openCase(tx, {
    requester,
    requesterDomain: domain,
    ccContactIds: [],
    mailboxId: mailbox.id,
    ...(form.area !== undefined ? { areaKey: form.area } : {}),
    origin: "WEB",
    type: form.caseType,
    subject: req.data.subject,
    description,
    post: { source: "PORTAL", subject: req.data.subject, body: description, inboundId: null, attachments, messageId: null },
    linkTo: null,
    threading: `web form ${form.key}`,
    inboundId: null,
    forwardedBy: null,
    now: deps.clock.now(),
    ...(await openingCustom(tx, await storableFields(tx, req.data.caseFields), `contact:${requester.id}`)),
  });
  return opened;
}

/**
 * The values a request brought, checked again against today's catalogue when the case opens (a confirmation
 * can come a day later, after a `config apply`): a field since removed or made agent-only is dropped, so a
 * pending request can never set what customers may no longer set.
 */
async function storableFields(tx: Tx, values: StoredFields): Promise<{ fields: Record<string, FieldValue> } | undefined> {
  const offered = customerFieldDefs((await loadCatalogue(tx)).fields);
  const kept: Record<string, FieldValue> = {};
  for (const [key, value] of Object.entries(values)) {
    const checked = checkFields(offered, { [key]: value }, { creating: false });
    const v = checked.ok ? checked.values[key] : null;
    if (v !== undefined && v !== null) kept[key] = v;
  }
  return Object.keys(kept).length ? { fields: kept } : undefined;
}

/**
 * The inputs of the case operations, validated at every boundary that takes them from outside (CLI flags,
 * HTTP bodies) by these schemas, so both channels accept and refuse exactly the same things. The HTTP API's
 * OpenAPI document is generated from them.
 */
import { z } from "zod";
import { CASE_PRIORITIES, CASE_STATUSES, CASE_TYPE_CHOICES, SEVERITIES, VISIBILITIES } from "../../kernel/domain-types.ts";
import { DESCRIPTION_MAX } from "../open-case.ts";
import { MAX_CASE_NUMBER } from "../case-number.ts";

// Above MAX_CASE_NUMBER a number has already been rounded by the time zod sees it: refused, never looked up.
export const CaseNumber = z.coerce
  .number()
  .int()
  .positive()
  .max(MAX_CASE_NUMBER, { message: `case numbers go up to ${MAX_CASE_NUMBER}` })
  .describe("case number (1042 for MC-1042)");
const AgentKey = z.string().trim().min(1).max(100).describe("agent key");
const Address = z.string().trim().toLowerCase().pipe(z.email());
/** Custom field values by field key, checked against the configured fields (src/case/custom-fields.ts); null clears. */
const FieldsInput = z
  .record(z.string().min(1).max(40), z.union([z.string().max(2000), z.number(), z.boolean(), z.array(z.string().max(100)).max(100), z.null()]))
  .describe("custom case fields by key: text, number, YYYY-MM-DD, true/false, an option, or a list of options; null clears");
/** A product code from the catalogue (active products only), or null to remove it. */
const ProductInput = z.string().trim().min(1).max(40).nullable().describe("product code");

export const CreateCaseInput = z.object({
  requester: z.object({ email: Address, name: z.string().trim().max(200).optional() }),
  cc: z.array(Address).max(20).default([]),
  subject: z.string().trim().min(1).max(998),
  description: z.string().max(DESCRIPTION_MAX).default(""),
  origin: z.enum(["PHONE", "API", "WEB"]).default("PHONE"),
  priority: z.enum(CASE_PRIORITIES).optional(),
  type: z.enum(CASE_TYPE_CHOICES).optional(),
  /** Replaces routing's owner (routing still decides group, area and SLA level). */
  owner: AgentKey.optional(),
  /** Replaces routing's team. */
  team: z.string().trim().min(1).optional(),
  /** Mail the requester an acknowledgement (off by default: they are on the phone). */
  acknowledge: z.boolean().default(false),
  /** Mailbox the case's mail goes out from (default: the first active one). */
  mailbox: z.string().trim().min(1).optional(),
  /** Required fields must be given here (a case opened by mail cannot supply them). */
  fields: FieldsInput.optional(),
  product: ProductInput.optional(),
});
export type CreateCaseInput = z.infer<typeof CreateCaseInput>;

/** Files of one post, decoded: at most this many bytes together (a mail relay takes 25 MiB with base64 on top). */
export const POST_ATTACHMENTS_MAX_BYTES = 10 * 1024 * 1024;
export const POST_ATTACHMENTS_MAX_FILES = 10;
const decodedSize = (b64: string) => Math.floor((b64.length * 3) / 4) - (b64.endsWith("==") ? 2 : b64.endsWith("=") ? 1 : 0);

export const PostAttachmentInput = z.object({
  /** Made safe before it is stored or mailed (no path, no control characters); the original is kept for display. */
  filename: z.string().trim().min(1).max(255).describe("file name as the customer will see it"),
  contentType: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/, "a MIME type such as application/pdf")
    .default("application/octet-stream"),
  content: z.base64("must be base64").describe("the file's bytes, base64"),
});

/** A post's fields (the case comes from the command line or the URL). */
export const PostBody = z.object({
    visibility: z.enum(VISIBILITIES).default("INTERNAL"),
    body: z.string().trim().min(1).max(100_000),
    /** PRIVATE only: an agent key or the address of a contact of the case. */
    to: z.string().trim().min(1).optional(),
    /** Files (base64): mailed with a public post like an emailed answer's, kept on the post in every case. */
    attachments: z
      .array(PostAttachmentInput)
      .max(POST_ATTACHMENTS_MAX_FILES, `at most ${POST_ATTACHMENTS_MAX_FILES} files`)
      .refine((files) => files.reduce((n, f) => n + decodedSize(f.content), 0) <= POST_ATTACHMENTS_MAX_BYTES, `at most ${POST_ATTACHMENTS_MAX_BYTES / 1024 / 1024} MiB of files per post`)
      // Optional rather than defaulted: callers in code that post text only need not name it.
      .optional(),
  });
/** A post's text fields as multipart/form-data sends them (files come as file parts, not base64). */
export const PostFields = PostBody.omit({ attachments: true });
export const PostInput = PostBody.extend({ case: CaseNumber })
  .refine((p) => p.visibility !== "PRIVATE" || p.to !== undefined, { message: "a private post needs its addressee", path: ["to"] })
  .refine((p) => p.visibility === "PRIVATE" || p.to === undefined, { message: "only a private post has an addressee", path: ["to"] });
export type PostInput = z.infer<typeof PostInput>;

/** The fields a change may set (the case comes from the command line or the URL). */
export const ChangeBody = z.object({
    status: z.enum(CASE_STATUSES).optional(),
    solution: z.string().trim().min(1).max(DESCRIPTION_MAX).optional(),
    priority: z.enum(CASE_PRIORITIES).optional(),
    severity: z.enum(SEVERITIES).optional(),
    type: z.enum(CASE_TYPE_CHOICES).optional(),
    owner: AgentKey.optional(),
    /** A team key, or null for no team. */
    team: z.string().trim().min(1).nullable().optional(),
    reason: z.string().trim().min(1).max(500).optional(),
    /** Whether the portal shows the case (false: internal). */
    portal: z.boolean().optional(),
    /** SLA level (contract key). */
    sla: z.string().trim().min(1).optional(),
    fields: FieldsInput.optional(),
    product: ProductInput.optional(),
    /** An internal note written with the change: a type's status flow may require one for a transition. */
    note: z.string().trim().min(1).max(DESCRIPTION_MAX).optional(),
  });
export const ChangeInput = ChangeBody.extend({ case: CaseNumber })
  .refine((p) => Object.entries(p).some(([k, v]) => k !== "case" && v !== undefined), { message: "nothing to change", path: [] });
export type ChangeInput = z.infer<typeof ChangeInput>;

export const FollowInput = z.object({ case: CaseNumber, follow: z.boolean().default(true) });
export type FollowInput = z.infer<typeof FollowInput>;

export const LinkBody = z.object({
  to: CaseNumber,
  /** parent: `case` becomes a sub-case / follow-up of `to`; related: both are marked related. */
  kind: z.enum(["parent", "related"]).default("related"),
  remove: z.boolean().default(false),
});
export const LinkInput = LinkBody.extend({ case: CaseNumber });
export type LinkInput = z.infer<typeof LinkInput>;

export const MergeInput = z.object({ case: CaseNumber, into: CaseNumber });
export type MergeInput = z.infer<typeof MergeInput>;

export const CloneInput = z.object({ case: CaseNumber });
export type CloneInput = z.infer<typeof CloneInput>;

/**
 * multipart/form-data on the API routes that take files (a post): the text fields carry the JSON body's names
 * (`visibility`, `body`, `to`), every file part is an attachment (send them as `attachments`). The parts are
 * read with the portal's streamed checks (src/portal/uploads.ts: count, per-file and total size, allowed
 * types checked against the first bytes), so nothing past the limits is held in memory and both front doors
 * refuse the same files the same way.
 */
import type { FastifyRequest } from "fastify";
import { POST_ATTACHMENTS_MAX_BYTES, POST_ATTACHMENTS_MAX_FILES } from "../case/ops/schemas.ts";
import type { ParsedAttachment } from "../parsing/parsed-message.ts";
import { isPartLimitError, PORTAL_UPLOADS, readUploads, sizeLabel, type UploadLimits, type UploadProblem } from "../portal/uploads.ts";

/** The name a problem gives for the files (the form's file parts, and `attachments` of the JSON body). */
export const FILES_FIELD = "attachments";

/**
 * An agent's files: the same count and total as base64 attachments, the portal's types and a few an agent
 * sends (webp, JSON, XML, a forwarded mail) plus application/octet-stream, which is what curl declares for an
 * extension it does not know; a declared known type must still match the file's first bytes.
 */
export const API_UPLOADS: UploadLimits = {
  maxFiles: POST_ATTACHMENTS_MAX_FILES,
  maxFileBytes: POST_ATTACHMENTS_MAX_BYTES,
  maxTotalBytes: POST_ATTACHMENTS_MAX_BYTES,
  // A post's body is up to 100,000 characters: at most 4 bytes each in UTF-8.
  maxFieldBytes: 400_000,
  types: [...PORTAL_UPLOADS.types, "image/webp", "application/json", "application/xml", "text/xml", "message/rfc822", "application/octet-stream"],
};

export interface UploadRefusal {
  status: 400 | 413;
  title: string;
  detail: string;
  field: string;
}

/** What the API answers for an upload problem: RFC 9457 fields, naming the form field at fault. */
export function refusalOf(p: UploadProblem): UploadRefusal {
  const tooLarge = (detail: string, field = FILES_FIELD): UploadRefusal => ({ status: 413, title: "Content too large", detail, field });
  switch (p.problem) {
    case "too-many":
      return { status: 400, title: "Invalid request", detail: `${FILES_FIELD}: at most ${p.max} files per post`, field: FILES_FIELD };
    case "too-large":
      return tooLarge(`${FILES_FIELD}: ${p.name} is larger than ${sizeLabel(p.max)}`);
    case "total":
      return tooLarge(`${FILES_FIELD}: at most ${sizeLabel(p.max)} of files per post`);
    case "field":
      return tooLarge(`${p.name}: at most ${sizeLabel(p.max)}`, p.name);
    case "type":
      return {
        status: 400,
        title: "Invalid request",
        detail: `${FILES_FIELD}: ${p.name} is refused: its declared type is not accepted or its content is not of that type (accepted: ${p.types.join(", ")})`,
        field: FILES_FIELD,
      };
  }
}

export type MultipartBody = { ok: true; fields: Record<string, string>; files: ParsedAttachment[]; fingerprint: object } | { ok: false; refusal: UploadRefusal };

/**
 * Reads the whole form. `fingerprint` stands for the request in the Idempotency-Key check: the fields in name
 * order and each file by name, type and SHA-256, so a retry with the same parts matches without keeping bytes.
 */
export async function readMultipartBody(req: FastifyRequest, limits: UploadLimits): Promise<MultipartBody> {
  try {
    const got = await readUploads(req, limits);
    if (got.problem) return { ok: false, refusal: refusalOf(got.problem) };
    const fields = Object.fromEntries(Object.entries(got.body).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return { ok: true, fields: got.body, files: got.files, fingerprint: { fields, files: got.files.map((f) => [f.originalFilename, f.contentType, f.sha256]) } };
  } catch (err) {
    // Past the part limits the parser stops: one file more than allowed, or too many fields or parts.
    if (!isPartLimitError(err)) throw err;
    if ((err as { code?: string }).code === "FST_FILES_LIMIT") return { ok: false, refusal: refusalOf({ problem: "too-many", max: limits.maxFiles }) };
    return { ok: false, refusal: { status: 413, title: "Content too large", detail: "body: too many form fields", field: "body" } };
  }
}

/**
 * Files customers upload (portal reply, portal new case, web forms): streamed part by part with a count, a
 * per-file size cap (a part over it is cut, never held whole) and an allow-list of types, each checked against
 * the file's first bytes where the type has a signature, so "invoice.pdf" that is really an executable is
 * refused. Names are made safe (safeFilename) for storage, mail and download; the original is kept for display.
 */
import type { FastifyRequest } from "fastify";
import { createHash } from "node:crypto";
import { z } from "zod";
import type { ParsedAttachment } from "../parsing/parsed-message.ts";
import { safeFilename } from "../parsing/safe-filename.ts";

export interface UploadLimits {
  maxFiles: number;
  maxFileBytes: number;
  /** All files of the request together (default: maxFiles × maxFileBytes); bytes past it are not held. */
  maxTotalBytes?: number;
  /** A text field's largest value in bytes (default 64 KiB); a longer one is refused, never silently cut. */
  maxFieldBytes?: number;
  types: readonly string[];
}

/** The portal's own uploads (reply, new case): common document and image types, 10 MB each, 5 at once. */
export const PORTAL_UPLOADS: UploadLimits = {
  maxFiles: 5,
  maxFileBytes: 10 * 1024 * 1024,
  types: [
    "image/png",
    "image/jpeg",
    "image/gif",
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ],
};

export type UploadProblem =
  | { problem: "too-many"; max: number }
  | { problem: "too-large"; name: string; max: number }
  | { problem: "total"; max: number }
  | { problem: "field"; name: string; max: number }
  | { problem: "type"; name: string; types: readonly string[] };

export interface Uploaded {
  body: Record<string, string>;
  files: ParsedAttachment[];
  /** The first problem met (the rest of the request is still read, and nothing of it is kept). */
  problem: UploadProblem | null;
}

const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** Whether the first bytes agree with the declared type (types without a signature: no NUL for text). */
export function contentMatches(type: string, head: Buffer): boolean {
  switch (type) {
    case "image/png":
      return head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    case "image/jpeg":
      return head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
    case "image/gif":
      return head.subarray(0, 4).toString("latin1") === "GIF8";
    case "image/webp":
      return head.subarray(0, 4).toString("latin1") === "RIFF" && head.subarray(8, 12).toString("latin1") === "WEBP";
    case "application/pdf":
      return head.subarray(0, 5).toString("latin1") === "%PDF-";
    case "application/zip":
    case "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
    case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
      return head.subarray(0, 4).equals(ZIP);
    case "text/plain":
    case "text/csv":
      return !head.subarray(0, 4096).includes(0);
    default:
      return true;
  }
}

export const sizeLabel = (n: number): string => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${Math.round(n / 1024)} KB` : `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MB`);

/** Reads a form body: multipart (fields and checked files) or urlencoded (fields only). */
export async function readUploads(req: FastifyRequest, limits: UploadLimits): Promise<Uploaded> {
  const out: Uploaded = { body: {}, files: [], problem: null };
  if (!req.isMultipart()) {
    const parsed = z.record(z.string(), z.union([z.string(), z.array(z.string())])).catch({}).parse(req.body ?? {});
    for (const [k, v] of Object.entries(parsed)) out.body[k] = Array.isArray(v) ? (v[0] ?? "") : v;
    return out;
  }
  const maxTotal = limits.maxTotalBytes ?? limits.maxFiles * limits.maxFileBytes;
  const maxField = limits.maxFieldBytes ?? 64 * 1024;
  // Over-size files are cut and reported here (with the file's name), not thrown as a bare 413.
  const partOptions = { throwFileSizeLimit: false, limits: { fileSize: limits.maxFileBytes, files: limits.maxFiles + 1, fields: 100, fieldSize: maxField, parts: 200 } };
  let held = 0;
  for await (const part of req.parts(partOptions)) {
    if (part.type === "field") {
      if (part.valueTruncated) out.problem ??= { problem: "field", name: part.fieldname, max: maxField };
      else if (typeof part.value === "string" && !(part.fieldname in out.body)) out.body[part.fieldname] = part.value;
      continue;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of part.file as AsyncIterable<Buffer>) {
      size += chunk.length;
      // Read to the end either way (the request must be consumed), but held only while it can still be kept.
      if (!out.problem && size <= limits.maxFileBytes && held + size <= maxTotal) chunks.push(chunk);
    }
    if (!part.filename && size === 0) continue; // the empty file input of a form sent without files
    const name = safeFilename(part.filename, "attachment");
    const type = part.mimetype.toLowerCase().split(";")[0]!.trim();
    if (out.problem) continue;
    if (out.files.length >= limits.maxFiles) out.problem = { problem: "too-many", max: limits.maxFiles };
    else if (part.file.truncated || size > limits.maxFileBytes) out.problem = { problem: "too-large", name, max: limits.maxFileBytes };
    else if (held + size > maxTotal) out.problem = { problem: "total", max: maxTotal };
    else {
      const content = Buffer.concat(chunks);
      if (!limits.types.includes(type) || !contentMatches(type, content)) out.problem = { problem: "type", name, types: limits.types };
      else {
        held += size;
        out.files.push({
          filename: name,
          originalFilename: (part.filename ?? name).slice(0, 500),
          contentType: type,
          size: content.length,
          contentId: null,
          inline: false,
          sha256: createHash("sha256").update(content).digest("hex"),
          content,
        });
      }
    }
  }
  if (out.problem) out.files = [];
  return out;
}

/** True for the errors multipart throws when a request exceeds its part limits. */
export function isPartLimitError(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === "FST_FILES_LIMIT" || code === "FST_PARTS_LIMIT" || code === "FST_FIELDS_LIMIT" || code === "FST_REQ_FILE_TOO_LARGE";
}

/** What the API answers for each upload problem of a multipart post: status, and the field it names. */
import { describe, expect, it } from "vitest";
import { API_UPLOADS, refusalOf } from "../../src/api/multipart.ts";
import type { UploadProblem } from "../../src/portal/uploads.ts";

describe("refusalOf", () => {
  const cases: [string, UploadProblem, { status: number; field: string; detail: RegExp }][] = [
    ["too many files", { problem: "too-many", max: 10 }, { status: 400, field: "attachments", detail: /at most 10 files/ }],
    ["a file over its cap", { problem: "too-large", name: "big.pdf", max: 10 * 1024 * 1024 }, { status: 413, field: "attachments", detail: /big\.pdf is larger than 10 MB/ }],
    ["files over the total", { problem: "total", max: 10 * 1024 * 1024 }, { status: 413, field: "attachments", detail: /10 MB of files per post/ }],
    ["a text field over its cap", { problem: "field", name: "body", max: 400_000 }, { status: 413, field: "body", detail: /^body: at most 391 KB/ }],
    ["a type refused", { problem: "type", name: "setup.exe", types: ["application/pdf"] }, { status: 400, field: "attachments", detail: /setup\.exe is refused.*application\/pdf/ }],
  ];
  it.each(cases)("%s", (_what, problem, want) => {
    const r = refusalOf(problem);
    expect(r.status).toBe(want.status);
    expect(r.field).toBe(want.field);
    expect(r.detail).toMatch(want.detail);
  });

  it("keeps the JSON route's limits for files sent as parts", () => {
    expect(API_UPLOADS).toMatchObject({ maxFiles: 10, maxFileBytes: 10 * 1024 * 1024, maxTotalBytes: 10 * 1024 * 1024 });
    expect(API_UPLOADS.types).not.toContain("application/x-msdownload");
  });
});

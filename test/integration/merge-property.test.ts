/**
 * Merge property, on the real ingest code: cases opened by mail, random pairs merged (some of them invalid:
 * a case into itself, an already merged case, into a merged case), then every message of every original
 * thread is answered (In-Reply-To) and every original case tag is written to, each as a dry-run replay of
 * the live ingest. Whatever the merges, each answer lands on the survivor of its original case (never on a
 * merged case, never on a new case), and every post still exists exactly once, on its survivor.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actingAgentByKey, type ActingAgent } from "../../src/case/acting-agent.ts";
import type { OpsDeps } from "../../src/case/ops/common.ts";
import { mergeCases } from "../../src/case/ops/merge-case.ts";
import { replayMessage } from "../../src/replay/replay.service.ts";
import { labConfig, rand, startApp, type App } from "../support/harness.ts";

describe("merge property: threads follow the survivor, posts are neither lost nor duplicated", () => {
  const id = rand();
  const vip = `vip-${id}@customer.test`;
  let app: App;
  let ops: OpsDeps;
  let alice: ActingAgent;
  let run = 0;

  beforeAll(async () => {
    app = await startApp(labConfig(id), { roles: [] });
    // Nothing is sent in this test: the merge's follow-up jobs are not what it is about.
    ops = { db: app.rt.deps.db, clock: app.rt.deps.clock, effects: { notify: async () => undefined, sla: async () => undefined, send: async () => undefined }, mail: { templates: app.rt.deps.templates, secret: app.rt.deps.secret } };
    alice = (await actingAgentByKey(app.rt.deps.db, "alice"))!;
  });
  afterAll(async () => app?.close());

  const raw = (h: { messageId: string; subject: string; inReplyTo?: string; body: string }) =>
    Buffer.from(
      [
        `From: Vera VIP <${vip}>`,
        `To: ${app.support}`,
        `Subject: ${h.subject}`,
        `Message-ID: <${h.messageId}>`,
        ...(h.inReplyTo ? [`In-Reply-To: <${h.inReplyTo}>`, `References: <${h.inReplyTo}>`] : []),
        "Date: Wed, 02 Dec 2026 09:00:00 +0000",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        h.body,
        "",
      ].join("\r\n"),
    );
  const replay = (bytes: Buffer, dryRun: boolean) => replayMessage(app.rt.deps, { source: "property", raw: bytes }, { dryRun, notify: false });

  it("holds for random merges", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 5 }),
        async (messagesPerCase, pairs) => {
          run++;
          const tag = `${id}-${run}`;
          const cases: { id: number; number: number; messageIds: string[] }[] = [];
          for (const [i, count] of messagesPerCase.entries()) {
            const messageIds = Array.from({ length: count }, (_, j) => `m-${tag}-${i}-${j}@customer.test`);
            const opened = await replay(raw({ messageId: messageIds[0]!, subject: `Problem ${tag} ${i}`, body: `case ${i}` }), false);
            if (opened.outcome.kind !== "case-created") throw new Error(`case ${i} not opened: ${JSON.stringify(opened.outcome)}`);
            for (const m of messageIds.slice(1)) await replay(raw({ messageId: m, subject: `Re: Problem ${tag} ${i}`, inReplyTo: messageIds[0]!, body: `more ${m}` }), false);
            cases.push({ id: opened.outcome.caseId, number: opened.outcome.number, messageIds });
          }
          const postsBefore = await app.rt.deps.db.post.findMany({ where: { caseId: { in: cases.map((c) => c.id) } }, select: { id: true, caseId: true } });

          // The model: merged[x] = the case x was merged into.
          const merged = new Map<number, number>();
          const survivor = (x: number): number => (merged.has(x) ? survivor(merged.get(x)!) : x);
          for (const [p, q] of pairs) {
            const a = p % cases.length;
            const b = q % cases.length;
            const r = await mergeCases(ops, alice, { case: cases[a]!.number, into: cases[b]!.number });
            const valid = a !== b && !merged.has(a) && !merged.has(b);
            expect(r.ok, `merge ${a} into ${b}`).toBe(valid || merged.get(a) === b);
            if (valid) merged.set(a, b);
          }

          for (const [i, c] of cases.entries()) {
            const expected = cases[survivor(i)]!.id;
            for (const m of c.messageIds) {
              const answer = await replay(raw({ messageId: `r-${m}`, subject: "Re: anything", inReplyTo: m, body: "answer" }), true);
              expect(answer.outcome, `reply to ${m}`).toMatchObject({ kind: "post-added", caseId: expected });
            }
            const byTag = await replay(raw({ messageId: `t-${tag}-${i}@customer.test`, subject: `[MC-${c.number}] still`, body: "tagged" }), true);
            expect(byTag.outcome, `tag of case ${i}`).toMatchObject({ kind: "post-added", caseId: expected });
          }
          const postsAfter = await app.rt.deps.db.post.findMany({ where: { caseId: { in: cases.map((c) => c.id) } }, select: { id: true, caseId: true } });
          expect(postsAfter.map((p) => p.id).sort((x, y) => x - y)).toEqual(postsBefore.map((p) => p.id).sort((x, y) => x - y));
          const originalIndex = new Map(cases.map((c, i) => [c.id, i]));
          for (const p of postsBefore) expect(postsAfter.find((q) => q.id === p.id)?.caseId).toBe(cases[survivor(originalIndex.get(p.caseId)!)]!.id);
        },
      ),
      { numRuns: 12 },
    );
  });
});

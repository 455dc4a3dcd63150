/**
 * SLA watch on real services: delayed BullMQ jobs fire at the due instant, record a warning and a breach
 * exactly once, mail the owner, the team lead and the contract's recipients through the real send path, and a
 * priority change before the due instant reschedules (the old job is a no-op). Only a case's nearest job is in
 * the queue; each adds the next when it has run. Cases are opened directly in the database with a backdated
 * opening, so a one-minute target falls due seconds into the test.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweep } from "../../src/pipeline/sweeper.ts";
import { applyConfig } from "../../src/config/apply-config.ts";
import { changeCase } from "../../src/case/case-change.ts";
import { slaJobId, type SlaPayload } from "../../src/pipeline/sla/sla.job.ts";
import { slaReport } from "../../src/cli/sla-report.ts";
import { recomputeSlaDue } from "../../src/sla/sla.service.ts";
import { processSlaCheck, scheduleSla } from "../../src/pipeline/sla/sla-watch.service.ts";
import { TEST_DATABASE_URL } from "../support/global-setup.ts";
import { inbox, labConfig, rand, startApp, testEnv, waitFor, waitForMail, type App } from "../support/harness.ts";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
const SEC = 1000;
const MIN = 60 * SEC;

describe("SLA warnings, breaches and escalations", () => {
  const id = rand();
  const alice = `alice-${id}@helpdesk.test`;
  const bob = `bob-${id}@helpdesk.test`;
  const boss = `boss-${id}@helpdesk.test`;
  const cfg = labConfig(id, (doc) => {
    (doc.slaContracts as unknown[]).push({
      key: "fast",
      name: "Fast",
      warningShare: 0.5,
      escalateTo: [boss],
      targets: { HIGH: { firstResponse: "1m", resolution: "8h" }, NORMAL: { firstResponse: "10m", resolution: "8h" } },
      severityTargets: { BLOCKER: { firstResponse: "1m", nextResponse: "1m", resolution: "1h" } },
    });
    // Four distinct instants a minute apart at most: first response warns at 33 s and is due at 60 s,
    // resolution warns at 66 s and is due at 120 s.
    (doc.slaContracts as unknown[]).push({ key: "chain", name: "Chain", warningShare: 0.55, targets: { HIGH: { firstResponse: "1m", resolution: "2m" } } });
    (doc.teams as Array<Record<string, unknown>>).find((t) => t.key === "vip-desk")!.lead = "bob";
    (doc.customerGroups as Array<Record<string, unknown>>).find((g) => g.key === "vip")!.sla = "fast";
  });
  let app: App;

  beforeAll(async () => {
    // Workers only: the cases are opened here, and the sweeper's own pass must not race the lost-Redis test.
    app = await startApp(cfg, { env: testEnv({ SWEEP_INTERVAL_MS: "600000" }), roles: ["worker"] });
  });
  afterAll(async () => app?.close());

  const deps = () => app.rt.deps;
  const db = () => app.rt.deps.db;

  /** A VIP case owned by alice in the vip-desk team under the "fast" contract, opened `agoMs` ago, scheduled like ingest does. */
  async function openCase(subject: string, priority: "HIGH" | "NORMAL", agoMs: number, contractKey = "fast") {
    const now = new Date();
    const [owner, team, group, contract, area, mailbox] = await Promise.all([
      db().agent.findUniqueOrThrow({ where: { key: "alice" } }),
      db().team.findUniqueOrThrow({ where: { key: "vip-desk" } }),
      db().customerGroup.findUniqueOrThrow({ where: { key: "vip" } }),
      db().slaContract.findUniqueOrThrow({ where: { key: contractKey } }),
      db().area.findUniqueOrThrow({ where: { key: "helpdesk" } }),
      db().mailbox.findUniqueOrThrow({ where: { key: "support" } }),
    ]);
    const c = await db().$transaction(async (tx) => {
      const created = await tx.case.create({
        data: {
          subject,
          description: subject,
          status: "ASSIGNED",
          priority,
          areaId: area.id,
          ownerId: owner.id,
          teamId: team.id,
          groupId: group.id,
          slaContractId: contract.id,
          mailboxId: mailbox.id,
          routing: { explain: ["test"] },
          createdAt: new Date(now.getTime() - agoMs),
        },
      });
      await recomputeSlaDue(tx, created.id, now, null);
      return tx.case.findUniqueOrThrow({ where: { id: created.id } });
    });
    await scheduleSla(deps(), [c.id]);
    return c;
  }

  const events = (caseId: number) => db().slaEvent.findMany({ where: { caseId }, orderBy: { id: "asc" } });
  const caseEvents = (caseId: number, type: string) => db().caseEvent.findMany({ where: { caseId, type } });
  /** The case's SLA jobs still to run (delayed, or due and waiting for a worker). */
  const queuedJobs = async (caseId: number) => (await deps().queues.sla.getJobs(["delayed", "waiting", "prioritized"])).filter((j) => (j.data as SlaPayload).caseId === caseId);
  const jobState = async (p: Parameters<typeof slaJobId>[0]) => (await deps().queues.sla.getJob(slaJobId(p)))?.getState();

  it("applies the new SLA settings idempotently", async () => {
    const snapshot = async () => ({
      contracts: await db().slaContract.findMany({ orderBy: { id: "asc" } }),
      targets: await db().slaTarget.findMany({ orderBy: { id: "asc" }, omit: { id: true } }),
      severity: await db().slaSeverityTarget.findMany({ orderBy: { id: "asc" }, omit: { id: true } }),
      teams: await db().team.findMany({ orderBy: { id: "asc" } }),
      settings: await db().settings.findUniqueOrThrow({ where: { id: 1 } }),
    });
    const before = await snapshot();
    await applyConfig(db(), cfg);
    expect(await snapshot()).toEqual(before);
    const fast = before.contracts.find((c) => c.key === "fast")!;
    expect(fast).toMatchObject({ warningShare: 0.5, escalateTo: [boss], calendar: null });
    expect(before.severity).toEqual([{ contractId: fast.id, severity: "BLOCKER", firstResponseMinutes: 1, nextResponseMinutes: 1, resolutionMinutes: 60 }]);
    const bobRow = await db().agent.findUniqueOrThrow({ where: { key: "bob" } });
    expect(before.teams.find((t) => t.key === "vip-desk")!.leadAgentId).toBe(bobRow.id);
    expect(before.settings.slaPausedStatuses).toEqual(["WAITING_ON_CUSTOMER"]);
  });

  let first: { id: number; number: number; firstResponseDueAt: Date | null } | null = null;

  it("warns at the share and records the breach at the due instant, once each, and mails owner, lead and recipients", async () => {
    // HIGH: first response in 1 min; opened 50 s ago, so the 50 % warning is past and the breach is 10 s away.
    const c = await openCase("Printer on fire", "HIGH", 50 * SEC);
    first = { ...c, number: Number(c.number) };
    const due = c.firstResponseDueAt!;
    expect(due.getTime() - c.createdAt.getTime()).toBe(MIN);

    await waitFor(async () => (await events(c.id)).some((e) => e.metric === "FIRST_RESPONSE" && e.kind === "WARNING"), "first-response warning", 10_000);
    // Only the nearest job is queued: the warning, which (past already) ran at once and then added the breach.
    await waitFor(async () => (await jobState({ caseId: c.id, metric: "FIRST_RESPONSE", kind: "BREACH", dueAt: due.getTime() })) === "delayed" || null, "breach job added by the warning", 5_000);
    const breach = await waitFor(async () => (await events(c.id)).find((e) => e.metric === "FIRST_RESPONSE" && e.kind === "BREACH"), "first-response breach", 25_000);
    // At the due instant: never before it, and promptly after.
    expect(breach.dueAt.toISOString()).toBe(due.toISOString());
    expect(breach.createdAt.getTime()).toBeGreaterThanOrEqual(due.getTime());
    expect(breach.createdAt.getTime() - due.getTime()).toBeLessThan(5 * SEC);

    expect((await events(c.id)).map((e) => `${e.metric}/${e.kind}`)).toEqual(["FIRST_RESPONSE/WARNING", "FIRST_RESPONSE/BREACH"]);
    expect(await caseEvents(c.id, "sla.warning")).toHaveLength(1);
    const [breached] = await caseEvents(c.id, "sla.breached");
    expect(breached?.data).toMatchObject({ metric: "FIRST_RESPONSE", dueAt: due.toISOString(), recipients: [`owner:${alice}`, `team-lead:${bob}`, `escalate-to:${boss}`] });

    const tag = `[MC-${c.number}]`;
    const ownerMail = await waitForMail(alice, (m) => m.subject === `${tag} SLA breached (first response): Printer on fire`, "breach escalation");
    expect(ownerMail.text).toContain(`MC-${c.number}`);
    expect(ownerMail.headers.get("auto-submitted")).toBe("auto-generated");
    // The owner answers into the case through a signed address (an internal note by default).
    expect(ownerMail.replyTo?.value[0]?.address ?? "").toMatch(new RegExp(`^support-${id}\\+c${c.id}a\\d+vi-[0-9a-f]{16}@helpdesk\\.test$`));
    await waitForMail(alice, (m) => m.subject === `${tag} SLA at risk (first response): Printer on fire`, "warning to the owner");
    await waitForMail(bob, (m) => m.subject === `${tag} SLA breached (first response): Printer on fire`, "breach to the team lead");
    const bossMail = await waitForMail(boss, (m) => m.subject === `${tag} SLA breached (first response): Printer on fire`, "breach to escalateTo");
    expect(bossMail.replyTo).toBeUndefined();
    // The warning went to the owner only.
    expect((await inbox(bob)).filter((m) => m.subject?.includes("SLA at risk"))).toHaveLength(0);
    expect((await inbox(boss)).filter((m) => m.subject?.includes("SLA at risk"))).toHaveLength(0);
  });

  it("a second run of the same job, or a re-schedule, changes nothing", async () => {
    const c = first!;
    const due = c.firstResponseDueAt!.getTime();
    const snapshot = async () => ({
      events: await events(c.id),
      caseEvents: await db().caseEvent.findMany({ where: { caseId: c.id }, orderBy: { id: "asc" } }),
      mail: await db().outboundMail.findMany({ where: { caseId: c.id }, orderBy: { id: "asc" }, select: { id: true, dedupeKey: true } }),
    });
    const before = await snapshot();
    const payload: SlaPayload = { v: 1, caseId: c.id, metric: "FIRST_RESPONSE", kind: "BREACH", dueAt: due, at: due };
    expect(await processSlaCheck(deps(), payload)).toEqual({ kind: "already-recorded" });
    expect(await processSlaCheck(deps(), { ...payload, kind: "WARNING" })).toEqual({ kind: "already-recorded" });
    await scheduleSla(deps(), [c.id]);
    expect(await deps().queues.sla.getJob(slaJobId(payload))).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await snapshot()).toEqual(before);
    expect((await inbox(alice)).filter((m) => m.subject?.includes(`[MC-${c.number}] SLA breached`))).toHaveLength(1);
  });

  it("a priority change before the due instant reschedules: the old job is a no-op, the new one fires once", async () => {
    // NORMAL: 10 min; opened 50 s ago. HIGH (1 min) keeps the 50 s already spent: due 10 s after the change.
    const c = await openCase("Server down", "NORMAL", 50 * SEC);
    const oldDue = c.firstResponseDueAt!;
    const oldJob = { caseId: c.id, metric: "FIRST_RESPONSE" as const, kind: "BREACH" as const, dueAt: oldDue.getTime() };
    // The nearest instant is the warning (at 5 of the 10 minutes): that job alone is queued.
    expect(await jobState({ ...oldJob, kind: "WARNING" })).toBe("delayed");
    expect(await jobState(oldJob)).toBeUndefined();

    const changedAt = new Date();
    const result = await db().$transaction((tx) => changeCase(tx, c.id, { priority: "HIGH" }, { by: "agent:test", now: changedAt }));
    expect(result).toEqual({ ok: true, changed: ["priority"] });
    await scheduleSla(deps(), [c.id]);
    const after = await db().case.findUniqueOrThrow({ where: { id: c.id } });
    const newDue = after.firstResponseDueAt!;
    expect(newDue.getTime()).toBeLessThan(oldDue.getTime());
    expect(Math.abs(newDue.getTime() - (changedAt.getTime() + 10 * SEC))).toBeLessThan(2 * SEC);
    const [audit] = await caseEvents(c.id, "sla.recomputed");
    expect(audit?.data).toMatchObject({ by: "agent:test", target: "priority HIGH", firstResponseDueAt: newDue.toISOString() });
    // The new warning instant (30 s after opening) has passed: it runs at once and adds the new breach job.
    await waitFor(async () => /delayed|waiting|active/.test((await jobState({ ...oldJob, dueAt: newDue.getTime() })) ?? "") || null, "new breach job", 5_000);

    // The old job, run now (as it would in 9 minutes), speaks for a due time the case no longer has.
    expect(await processSlaCheck(deps(), { v: 1, ...oldJob, at: oldJob.dueAt })).toEqual({ kind: "skipped", reason: "stale" });
    const breach = await waitFor(async () => (await events(c.id)).find((e) => e.kind === "BREACH" && e.metric === "FIRST_RESPONSE"), "rescheduled breach", 25_000);
    expect(breach.dueAt.toISOString()).toBe(newDue.toISOString());
    expect(breach.createdAt.getTime()).toBeGreaterThanOrEqual(newDue.getTime());
    expect((await events(c.id)).filter((e) => e.kind === "BREACH")).toHaveLength(1);
    expect((await events(c.id)).every((e) => e.dueAt.getTime() !== oldDue.getTime())).toBe(true);
    await waitForMail(alice, (m) => m.subject === `[MC-${c.number}] SLA breached (first response): Server down`, "rescheduled breach escalation");
  });

  it("a case already past due (jobs lost and re-added late) gets its breach at once, and its warning without mail", async () => {
    const c = await openCase("Overdue already", "HIGH", 2 * MIN);
    await waitFor(async () => (await events(c.id)).length === 2 || null, "warning and breach of the overdue case", 10_000);
    expect((await caseEvents(c.id, "sla.warning"))[0]?.data).toMatchObject({ superseded: true, recipients: [] });
    await waitForMail(alice, (m) => m.subject === `[MC-${c.number}] SLA breached (first response): Overdue already`, "breach of the overdue case");
    expect((await inbox(alice)).filter((m) => m.subject?.includes(`[MC-${c.number}] SLA at risk`))).toHaveLength(0);
  });

  it("changing the level recomputes the due times, keeping the time spent, with audit entries", async () => {
    const c = await openCase("Level change", "NORMAL", 2 * MIN);
    const changedAt = new Date();
    const level = (key: string) => db().$transaction((tx) => changeCase(tx, c.id, { slaContract: key }, { by: "agent:test", now: changedAt }));
    expect(await level("gold")).toEqual({ ok: true, changed: ["sla"] });
    expect(await level("gold")).toEqual({ ok: true, changed: [] });
    expect(await level("platinum")).toMatchObject({ ok: false, reason: 'unknown SLA level "platinum"' });
    await scheduleSla(deps(), [c.id]);
    const after = await db().case.findUniqueOrThrow({ where: { id: c.id }, include: { slaContract: true } });
    expect(after.slaContract?.key).toBe("gold");
    // Gold NORMAL: 4 h from the opening (both levels run around the clock), not 4 h from the change.
    expect(after.firstResponseDueAt!.getTime() - after.createdAt.getTime()).toBe(4 * 60 * MIN);
    expect((await caseEvents(c.id, "case.changed"))[0]?.data).toMatchObject({ field: "slaContract", from: "fast", to: "gold", by: "agent:test" });
    expect((await caseEvents(c.id, "sla.recomputed"))[0]?.data).toMatchObject({ by: "agent:test", target: "priority NORMAL" });
    // Gold's nearest instant is the first-response warning (80 % of 4 h): the one job queued for the new due time.
    const dueAt = after.firstResponseDueAt!.getTime();
    expect(await jobState({ caseId: c.id, metric: "FIRST_RESPONSE", kind: "WARNING", dueAt })).toBe("delayed");
    expect(await jobState({ caseId: c.id, metric: "FIRST_RESPONSE", kind: "BREACH", dueAt })).toBeUndefined();
  });

  it("a first response before the due instant meets the target: the breach job does nothing", async () => {
    const c = await openCase("Answered in time", "NORMAL", 0);
    const due = c.firstResponseDueAt!.getTime();
    await db().case.update({ where: { id: c.id }, data: { firstRespondedAt: new Date() } });
    expect(await processSlaCheck(deps(), { v: 1, caseId: c.id, metric: "FIRST_RESPONSE", kind: "BREACH", dueAt: due, at: due })).toEqual({ kind: "skipped", reason: "met" });
    expect(await events(c.id)).toEqual([]);
  });

  it("lists at-risk and breached cases (`mailcase sla`), and the sweeper re-schedules jobs a lost Redis dropped", async () => {
    // NORMAL (10 min) opened 6 min ago: past the 50 % warning, 4 min before the due instant.
    const c = await openCase("Slow printer", "NORMAL", 6 * MIN);
    await waitFor(async () => (await events(c.id)).some((e) => e.kind === "WARNING"), "warning of the at-risk case", 10_000);
    const rows = await slaReport(db(), new Date());
    const mine = rows.filter((r) => r.subject === "Slow printer" || r.subject === "Printer on fire" || r.subject === "Server down");
    expect(mine.map((r) => [r.subject, r.metric, r.standing])).toEqual([
      ["Printer on fire", "FIRST_RESPONSE", "breached"],
      ["Server down", "FIRST_RESPONSE", "breached"],
      ["Slow printer", "FIRST_RESPONSE", "at-risk"],
    ]);
    expect(mine[2]!.lateMinutes).toBeLessThan(0);
    expect(mine[2]!.owner).toBe("alice");

    const { stdout } = await run(process.execPath, [path.join(ROOT, "bin/mailcase.mjs"), "sla", "--json"], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: "silent" },
    });
    const cli = JSON.parse(stdout) as Array<{ caseRef: string; standing: string; metric: string }>;
    expect(cli).toEqual(expect.arrayContaining([expect.objectContaining({ caseRef: `MC-${c.number}`, standing: "at-risk", metric: "FIRST_RESPONSE" })]));

    // Redis loses every delayed job; the sweeper's SLA pass puts the breach job back.
    const breachJob = slaJobId({ caseId: c.id, metric: "FIRST_RESPONSE", kind: "BREACH", dueAt: c.firstResponseDueAt!.getTime() });
    // Added by the warning job once it had run.
    await waitFor(async () => (await deps().queues.sla.getJob(breachJob)) ?? null, "breach job after the warning", 5_000);
    await deps().queues.sla.obliterate({ force: true });
    expect(await deps().queues.sla.getJob(breachJob)).toBeUndefined();
    const swept = await sweep(deps(), 30_000, { afterId: 0 });
    expect(swept.sla).toBeGreaterThanOrEqual(1);
    expect(await (await deps().queues.sla.getJob(breachJob))?.getState()).toBe("delayed");
  });
  it("one job per case at a time walks through warning and breach of first response and resolution, each once, in order", async () => {
    // Opened 52 s ago under "chain": the first-response warning (33 s) is past; the breach is 8 s away, the
    // resolution warning 14 s, the resolution breach 68 s.
    const c = await openCase("One at a time", "HIGH", 52 * SEC, "chain");
    const instants = {
      "FIRST_RESPONSE/BREACH": c.firstResponseDueAt!.getTime(),
      "RESOLUTION/WARNING": c.createdAt.getTime() + 66 * SEC,
      "RESOLUTION/BREACH": c.resolutionDueAt!.getTime(),
    };
    expect(instants["RESOLUTION/BREACH"] - c.createdAt.getTime()).toBe(2 * MIN);
    let most = 0;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        most = Math.max(most, (await queuedJobs(c.id)).length);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await waitFor(async () => (await events(c.id)).length === 4 || null, "all four SLA events", 90_000);
    } finally {
      watching = false;
      await watch;
    }
    const recorded = await events(c.id);
    expect(recorded.map((e) => `${e.metric}/${e.kind}`)).toEqual(["FIRST_RESPONSE/WARNING", "FIRST_RESPONSE/BREACH", "RESOLUTION/WARNING", "RESOLUTION/BREACH"]);
    // On time: never before the instant, and promptly after it.
    for (const e of recorded.slice(1)) {
      const at = instants[`${e.metric}/${e.kind}` as keyof typeof instants];
      expect(e.createdAt.getTime()).toBeGreaterThanOrEqual(at);
      expect(e.createdAt.getTime() - at).toBeLessThan(5 * SEC);
    }
    expect(most).toBe(1);
    expect(await caseEvents(c.id, "sla.warning")).toHaveLength(2);
    expect(await caseEvents(c.id, "sla.breached")).toHaveLength(2);
    // Nothing is left to watch, and a re-schedule (the sweeper's) adds nothing.
    await new Promise((r) => setTimeout(r, 500));
    expect(await queuedJobs(c.id)).toEqual([]);
    expect(await scheduleSla(deps(), [c.id])).toBe(0);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canTransition, onAgentPublicReply, onAssign, onCustomerReply, transition, type ClosedReplyPolicy } from "../../src/case/status.ts";
import { CASE_STATUSES, type CaseStatus } from "../../src/kernel/domain-types.ts";

/** The table from the module comment, restated so a change to either is a deliberate change to both. */
const TABLE: Record<CaseStatus, Record<CaseStatus, "yes" | "sol" | "-" | "·">> = {
  NEW: { NEW: "·", ASSIGNED: "yes", IN_PROGRESS: "yes", WAITING_ON_CUSTOMER: "yes", RESOLVED: "sol", CLOSED: "sol" },
  ASSIGNED: { NEW: "yes", ASSIGNED: "·", IN_PROGRESS: "yes", WAITING_ON_CUSTOMER: "yes", RESOLVED: "sol", CLOSED: "sol" },
  IN_PROGRESS: { NEW: "-", ASSIGNED: "-", IN_PROGRESS: "·", WAITING_ON_CUSTOMER: "yes", RESOLVED: "sol", CLOSED: "sol" },
  WAITING_ON_CUSTOMER: { NEW: "-", ASSIGNED: "-", IN_PROGRESS: "yes", WAITING_ON_CUSTOMER: "·", RESOLVED: "sol", CLOSED: "sol" },
  RESOLVED: { NEW: "-", ASSIGNED: "-", IN_PROGRESS: "yes", WAITING_ON_CUSTOMER: "yes", RESOLVED: "·", CLOSED: "sol" },
  CLOSED: { NEW: "-", ASSIGNED: "-", IN_PROGRESS: "-", WAITING_ON_CUSTOMER: "-", RESOLVED: "-", CLOSED: "·" },
};

const pairs = CASE_STATUSES.flatMap((from) => CASE_STATUSES.map((to) => [from, to, TABLE[from][to]] as const));

describe("canTransition / transition", () => {
  it.each(pairs)("%s → %s is %s", (from, to, cell) => {
    expect(canTransition(from, to)).toBe(cell === "yes" || cell === "sol");
    const withSolution = transition(from, to, { solution: "Replaced the power supply" });
    expect(withSolution.ok).toBe(cell === "yes" || cell === "sol");
    const without = transition(from, to, {});
    expect(without.ok).toBe(cell === "yes");
  });

  it("requires a non-empty solution to resolve or close", () => {
    expect(transition("IN_PROGRESS", "RESOLVED", { solution: null })).toEqual({ ok: false, reason: "a solution is required to resolve" });
    expect(transition("IN_PROGRESS", "CLOSED", { solution: "   \n" })).toEqual({ ok: false, reason: "a solution is required to close" });
    expect(transition("IN_PROGRESS", "CLOSED")).toEqual({ ok: false, reason: "a solution is required to close" });
    expect(transition("RESOLVED", "CLOSED", { solution: "Cleared the cache" })).toEqual({ ok: true });
    expect(transition("NEW", "CLOSED", { solution: "Answered: see the FAQ" })).toEqual({ ok: true });
  });

  it("keeps CLOSED final and says where follow-up work goes", () => {
    for (const to of CASE_STATUSES) {
      const r = transition("CLOSED", to, { solution: "x" });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toContain("new linked case");
    }
  });

  it("explains a refused or empty change", () => {
    expect(transition("IN_PROGRESS", "ASSIGNED")).toEqual({ ok: false, reason: "a case cannot go from in progress back to assigned" });
    expect(transition("WAITING_ON_CUSTOMER", "WAITING_ON_CUSTOMER")).toEqual({ ok: false, reason: "the case is already waiting on customer" });
  });

  it("never allows a transition canTransition refuses, and lets every open case be closed with a solution", () => {
    const status = fc.constantFrom(...CASE_STATUSES);
    fc.assert(
      fc.property(status, status, fc.option(fc.string(), { nil: null }), (from, to, solution) => {
        const r = transition(from, to, { solution });
        if (r.ok) expect(canTransition(from, to)).toBe(true);
        else expect(r.reason.length).toBeGreaterThan(0);
        if ((to === "RESOLVED" || to === "CLOSED") && r.ok) expect((solution ?? "").trim()).not.toBe("");
        if (from !== "CLOSED" && from !== to && (to === "RESOLVED" || to === "CLOSED") && (solution ?? "").trim() !== "") expect(r.ok).toBe(true);
      }),
    );
  });

  it("can reach CLOSED from every status through allowed steps", () => {
    for (const from of CASE_STATUSES) {
      if (from === "CLOSED") continue;
      expect(canTransition(from, "CLOSED")).toBe(true);
    }
  });
});

describe("onCustomerReply", () => {
  const policy = (closedReply: ClosedReplyPolicy) => ({ closedReply });
  const human = { automatic: false };

  it("resumes a case that waited on the customer", () => {
    expect(onCustomerReply("WAITING_ON_CUSTOMER", policy("new-linked-case"), human)).toEqual({ action: "resume", to: "IN_PROGRESS" });
  });

  it("reopens a resolved case", () => {
    expect(onCustomerReply("RESOLVED", policy("new-linked-case"), human)).toEqual({ action: "reopen", to: "IN_PROGRESS" });
  });

  it("changes nothing on a case that is still being worked on", () => {
    for (const s of ["NEW", "ASSIGNED", "IN_PROGRESS"] as const) expect(onCustomerReply(s, policy("reopen"), human)).toEqual({ action: "none" });
  });

  it("follows the policy for a closed case, a new linked case by default", () => {
    expect(onCustomerReply("CLOSED", policy("new-linked-case"), human)).toEqual({ action: "new-linked-case" });
    expect(onCustomerReply("CLOSED", policy("reopen"), human)).toEqual({ action: "reopen", to: "IN_PROGRESS" });
    expect(onCustomerReply("CLOSED", policy("append"), human)).toEqual({ action: "append" });
  });

  it("never lets automatic mail change anything, whatever the status and policy", () => {
    for (const s of CASE_STATUSES) {
      for (const p of ["new-linked-case", "reopen", "append"] as const) {
        expect(onCustomerReply(s, policy(p), { automatic: true })).toEqual({ action: "none" });
      }
    }
  });

  it("only ever moves a non-closed case along an allowed transition", () => {
    for (const s of CASE_STATUSES) {
      if (s === "CLOSED") continue;
      const a = onCustomerReply(s, policy("reopen"), human);
      if (a.action === "resume" || a.action === "reopen") expect(canTransition(s, a.to)).toBe(true);
    }
  });
});

describe("onAgentPublicReply / onAssign", () => {
  it("starts work on a NEW or ASSIGNED case when an agent answers the customer", () => {
    expect(onAgentPublicReply("NEW")).toEqual({ action: "set", to: "IN_PROGRESS" });
    expect(onAgentPublicReply("ASSIGNED")).toEqual({ action: "set", to: "IN_PROGRESS" });
  });

  it("leaves other statuses alone", () => {
    for (const s of ["IN_PROGRESS", "WAITING_ON_CUSTOMER", "RESOLVED", "CLOSED"] as const) expect(onAgentPublicReply(s)).toEqual({ action: "none" });
  });

  it("makes a NEW case ASSIGNED and keeps every other status on re-assignment", () => {
    expect(onAssign("NEW")).toEqual({ action: "set", to: "ASSIGNED" });
    for (const s of CASE_STATUSES.filter((x) => x !== "NEW")) expect(onAssign(s)).toEqual({ action: "none" });
  });

  it("only suggests allowed transitions", () => {
    for (const s of CASE_STATUSES) {
      const a = onAgentPublicReply(s);
      if (a.action === "set") expect(canTransition(s, a.to)).toBe(true);
      const b = onAssign(s);
      if (b.action === "set") expect(canTransition(s, b.to)).toBe(true);
    }
  });
});

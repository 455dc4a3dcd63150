/**
 * What an agent's reply asks for, as data: the case patch its commands make, who a private note is
 * addressed to, follow/unfollow and SLA-level changes, or the errors that refuse it. Pure: the reply
 * service loads the active agents, asks here, and applies the plan in one transaction (or refuses the
 * whole reply: nothing is applied in part).
 */
import type { CasePatch } from "../../case/case-change.ts";
import type { AgentCommand, AgentRef } from "./agent-commands/parse.ts";
import { checkFields, chooseProduct, type CaseFieldDef } from "../../case/custom-fields.ts";

/** The configured custom fields and products (`#set`, `#product` are checked against them). */
export interface PlanCatalogue {
  fields: readonly CaseFieldDef[];
  products: ReadonlyArray<{ id: number; code: string; name: string; active: boolean }>;
}

export interface PlanAgent {
  id: number;
  key: string;
  email: string;
  aliases: string[];
}

export interface AgentReplyPlan {
  patch: CasePatch;
  /** The agent a `#private` note is addressed to. */
  addresseeAgentId: number | null;
  follow: "follow" | "unfollow" | null;
  /** `#sla <level>` contract keys, in order; an unknown key is refused when applied. */
  slaLevels: string[];
  /** `#approve` / `#reject`: the verdict on the approval request this agent is asked to decide. */
  verdict: { verdict: "approve" | "reject"; why: string | null } | null;
  errors: string[];
}

const refName = (ref: AgentRef) => (ref.kind === "self" ? "me" : ref.kind === "key" ? `@${ref.key}` : ref.email);

/**
 * `active`: the active agents (a deactivated agent cannot be assigned or addressed). `forwardAddress`: the
 * replying agent's forwarding address, told to an agent who writes `#forward` on a reply.
 */
export function planAgentReply(
  commands: readonly AgentCommand[],
  replying: { id: number },
  active: readonly PlanAgent[],
  forwardAddress: string,
  catalogue: PlanCatalogue = { fields: [], products: [] },
): AgentReplyPlan {
  const resolve = (ref: AgentRef): PlanAgent | null =>
    ref.kind === "self"
      ? (active.find((a) => a.id === replying.id) ?? null)
      : ref.kind === "key"
        ? (active.find((a) => a.key === ref.key) ?? null)
        : (active.find((a) => a.email === ref.email || a.aliases.includes(ref.email)) ?? null);
  const plan: AgentReplyPlan = { patch: {}, addresseeAgentId: null, follow: null, slaLevels: [], verdict: null, errors: [] };
  for (const cmd of commands) {
    switch (cmd.kind) {
      case "private": {
        const to = resolve(cmd.to);
        if (to) plan.addresseeAgentId = to.id;
        else plan.errors.push(`#private ${refName(cmd.to)}: no active agent by that name`);
        break;
      }
      case "assign": {
        const to = resolve(cmd.to);
        if (to) plan.patch.ownerId = to.id;
        else plan.errors.push(`#assign ${refName(cmd.to)}: no active agent by that name`);
        break;
      }
      case "status":
        plan.patch.status = cmd.status;
        break;
      case "close":
        plan.patch.status = cmd.status;
        plan.patch.solution = cmd.solution;
        break;
      case "priority":
        plan.patch.priority = cmd.priority;
        break;
      case "severity":
        plan.patch.severity = cmd.severity;
        break;
      case "type":
        plan.patch.type = cmd.caseType;
        break;
      case "reason":
        plan.patch.reason = cmd.reason;
        break;
      case "portal":
        plan.patch.internal = !cmd.visible;
        break;
      case "level":
        plan.slaLevels.push(cmd.contract);
        break;
      case "follow":
      case "unfollow":
        plan.follow = cmd.kind;
        break;
      case "forward":
        plan.errors.push(`#forward does not work on a reply: forward the customer's mail to your forwarding address ${forwardAddress}`);
        break;
      case "verdict":
        plan.verdict = { verdict: cmd.verdict, why: cmd.why };
        break;
      case "field": {
        // The same check as the API and the CLI: the reason goes back to the agent in the explained-back mail.
        const checked = checkFields(catalogue.fields, { [cmd.key]: cmd.value }, { creating: false });
        if (checked.ok) plan.patch.fields = { ...plan.patch.fields, ...checked.values };
        else plan.errors.push(checked.reason.startsWith(`${cmd.key}: `) ? `#set ${checked.reason}` : `#set ${cmd.key}: ${checked.reason}`);
        break;
      }
      case "product": {
        const choice = chooseProduct(catalogue.products, cmd.code);
        if (!choice.ok) plan.errors.push(`#${choice.reason}`);
        else plan.patch.productId = choice.code === null ? null : (catalogue.products.find((p) => p.code === choice.code)?.id ?? null);
        break;
      }
      case "visibility":
        // Decided by the parser (the reply's visibility), not a change of the case.
        break;
    }
  }
  return plan;
}

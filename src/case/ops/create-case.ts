/**
 * Opening a case for a phone call, a web form or an API client, as an agent: routed like mail through
 * `openCase` (group, area, SLA level, owner by the team's strategy) unless the agent names an owner or a
 * team, with the customer's words as the opening post. The requester is mailed an acknowledgement only when
 * asked (they are usually on the phone); the owner and team hear of it through the notify stage as of mail.
 */
import { mayAccessDirectory } from "../access.ts";
import { actorOf, type ActingAgent } from "../acting-agent.ts";
import { holdNewCase } from "../../approval/approval.service.ts";
import { loadApprovalRules } from "../../approval/approval-store.ts";
import { openCase } from "../open-case.ts";
import { fieldsPatch, loadCatalogue } from "../case-fields-store.ts";
import { inOperation, OpRefused, refused, requireAgent, type OpResult, type OpsDeps, type Tx } from "./common.ts";
import type { CreateCaseInput } from "./schemas.ts";

export interface CreatedCase {
  caseId: number;
  number: number;
  postId: number;
}

export async function createCase(deps: OpsDeps, agent: ActingAgent, input: CreateCaseInput): Promise<OpResult<CreatedCase>> {
  const now = deps.clock.now();
  const by = actorOf(agent);
  type Created = CreatedCase & { approvalOutbound: number[]; schedule: unknown };
  const result = await inOperation(
    deps,
    async (tx): Promise<OpResult<Created>> => {
      const mailbox = input.mailbox
        ? await tx.mailbox.findUnique({ where: { key: input.mailbox } })
        : await tx.mailbox.findFirst({ where: { active: true }, orderBy: { id: "asc" } });
      if (!mailbox) return refused(input.mailbox ? `no mailbox "${input.mailbox}"` : "no active mailbox to send the case's mail from", "mailbox");
      const requester = await contactFor(tx, agent, input.requester.email, input.requester.name, "requester.email");
      const cc: number[] = [];
      for (const [i, address] of input.cc.entries()) if (address !== input.requester.email) cc.push((await contactFor(tx, agent, address, undefined, `cc.${i}`)).id);
      const ownerId = input.owner === undefined ? undefined : (await requireAgent(tx, input.owner, "owner")).id;
      let teamId: number | undefined;
      if (input.team !== undefined) {
        const team = await tx.team.findUnique({ where: { key: input.team } });
        if (!team) return refused(`no team "${input.team}"`, "team");
        teamId = team.id;
      }
      // Checked before anything is written: a missing required field refuses the whole request.
      const catalogue = await loadCatalogue(tx);
      const custom = fieldsPatch(catalogue, input, { creating: true });
      if (!custom.ok) return refused(custom.reason, custom.field);
      // Given to openCase, not set afterwards: the assignment rules see them (`fields`, `product`).
      const fields = Object.fromEntries(Object.entries(custom.patch.fields ?? {}).flatMap(([k, v]) => (v === null ? [] : [[k, v]])));
      const product = custom.patch.productId == null ? null : (catalogue.products.find((p) => p.id === custom.patch.productId) ?? null);
      const opened = await openCase(tx, {
        requester,
        requesterDomain: domainOf(input.requester.email),
        ccContactIds: cc,
        mailboxId: mailbox.id,
        origin: input.origin,
        subject: input.subject,
        description: input.description || input.subject,
        post: { source: "AGENT_DESK", subject: input.subject, body: input.description || input.subject },
        linkTo: null,
        threading: `opened by ${agent.key} (${input.origin.toLowerCase()})`,
        inboundId: null,
        forwardedBy: null,
        now,
        assign: { ...(ownerId !== undefined ? { ownerId } : {}), ...(teamId !== undefined ? { teamId } : {}) },
        ...(input.priority ? { priority: input.priority } : {}),
        ...(input.type ? { type: input.type } : {}),
        acknowledge: input.acknowledge,
        by,
        fields,
        product: product && { id: product.id, code: product.code },
      });
      const approvalOutbound = await holdNewCase(tx, deps.mail, opened.caseId, await loadApprovalRules(tx), now);
      return { ok: true, ...opened, approvalOutbound };
    },
    async (r) => {
      await deps.effects.sla([r.caseId], [r.schedule]);
      await deps.effects.notify([{ postId: r.postId, event: "case-opened" }]);
      if (r.approvalOutbound.length) await deps.effects.send(r.approvalOutbound);
    },
  );
  if (!result.ok) return result;
  const { approvalOutbound: _sent, schedule: _scheduled, ...created } = result;
  return created;
}

/**
 * The contact with this address, created (joining the account of its domain) when new. A contact of a
 * directory the agent may not see is refused: an agent cannot open, and so read, cases of an address book
 * closed to them.
 */
export async function contactFor(
  tx: Tx,
  agent: ActingAgent,
  email: string,
  name: string | undefined,
  field: string,
): Promise<{ id: number; accountId: number | null; directoryId: number | null; portalUser: boolean; bouncing: boolean }> {
  const existing = await tx.contact.findUnique({ where: { email } });
  if (existing) {
    if (!mayAccessDirectory(agent, existing.directoryId)) throw new OpRefused(refused(`no access to the directory of ${email}`, field));
    return existing;
  }
  const account = await tx.account.findFirst({ where: { domains: { has: domainOf(email) } } });
  return tx.contact.create({ data: { email, name: name || null, accountId: account?.id ?? null } });
}

export const domainOf = (email: string): string => email.slice(email.lastIndexOf("@") + 1).toLowerCase();

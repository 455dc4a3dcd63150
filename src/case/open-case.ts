/**
 * Opening a case: the one writer of new Case rows, whatever the channel (mail today; the portal, web forms,
 * the API and the CLI next). Routed by the customer's groups (responsible agent, team, area, SLA contract),
 * given an owner by the team's assignment strategy when the group names only a team, with its SLA due times,
 * contacts, initial followers, opening post and `case.created` event, all in the caller's transaction.
 */
import { writtenLanguage } from "../routing/written-language.ts";
import { groupsOf, loadConfigSnapshot, type ConfigSnapshot } from "../config/config-cache.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { assignInTeam, type TeamAssignment } from "../routing/assign-in-team.ts";
import { evaluateRules, type RuleActions } from "../routing/assignment-rules.ts";
import { routeCase, type RuleRouting } from "../routing/route-case.ts";
import { openingSlaDue } from "../sla/sla.service.ts";
import { recordEvents, type Actor, type CaseEvent } from "./case-events.ts";
import type { CasePriority, CaseTypeChoice } from "../kernel/domain-types.ts";
import { initialFollowers } from "./followers.ts";
import { saveAttachments, type NewPost } from "./posts.ts";
import { fileNewCase } from "./filing-write.ts";
import { caseNo } from "./case-number.ts";
import { displayValue, type StoredFields } from "./custom-fields.ts";

type Tx = Prisma.TransactionClient;

export const SUBJECT_MAX = 255;
export const DESCRIPTION_MAX = 32_000;

export type CaseOrigin = "EMAIL" | "PORTAL" | "WEB" | "API" | "PHONE" | "IMPORT";

export interface OpenCaseInput {
  requester: { id: number; accountId: number | null; directoryId: number | null; portalUser: boolean; bouncing: boolean; locale?: string };
  /** The requester's mail domain (a group may take its members by domain). */
  requesterDomain: string;
  ccContactIds: readonly number[];
  mailboxId: number;
  /** An area chosen by the channel (a web form's); default: the mailbox's, then the settings' default area. */
  areaKey?: string;
  origin: CaseOrigin;
  /** As the customer wrote it; longer than the field allows, it is kept whole at the top of the description. */
  subject: string;
  description: string;
  /** The opening post (the customer's message). */
  post: Pick<NewPost, "source" | "subject" | "body" | "inboundId" | "attachments" | "messageId">;
  /** A case this one follows up (e.g. the customer replied to it after it was closed). */
  linkTo: { caseId: number; reason: string } | null;
  /** How threading decided on a new case, for the record. */
  threading: string;
  inboundId: number | null;
  /** Mark the inbound message PROCESSED (outcome "case") in the same statement as the case (mail ingest). */
  fileInbound?: { processedAt: Date };
  forwardedBy: number | null;
  now: Date;
  /**
   * Owner and/or team chosen by the agent who opens the case (CLI, API): each replaces routing's choice,
   * the rest (group, area, SLA level, priority) is still routed like mail. A team without an owner gets one
   * by the team's assignment strategy, as a routed team does.
   */
  assign?: { ownerId?: number; teamId?: number };
  /** Set by the opening agent; missing: routed priority, QUESTION. */
  priority?: CasePriority;
  type?: CaseTypeChoice;
  /**
   * Custom field values and product given by the opening channel (API, CLI), already checked against the
   * catalogue (case-fields-store.ts fieldsPatch). Written with the case and seen by the assignment rules, so a
   * rule on `fields`/`product` can route it. Mail gives none: it cannot carry them when the case opens.
   */
  fields?: StoredFields;
  product?: { id: number; code: string } | null;
  /** Whether the requester gets an acknowledgement (default true: mail always does). */
  acknowledge?: boolean;
  /** The agent who opened it, for the record; absent for mail. */
  by?: Actor;
  clonedFrom?: number | null;
}

export interface OpenedCase {
  caseId: number;
  number: number;
  postId: number;
  /**
   * The case as its timers' scheduling reads it, returned by the statement that opened it
   * (pipeline/sla/schedule-load.ts `scheduleRowOf`): a caller that changes nothing more of the case before its
   * commit may schedule from it instead of reading it back.
   */
  schedule: unknown;
}

/**
 * `config`: the caller's in-memory configuration (config/config-cache.ts); without one, or when it does not know
 * the mailbox yet (configured a moment ago), the configuration is read here, in the transaction.
 */
export async function openCase(tx: Tx, input: OpenCaseInput, config?: ConfigSnapshot): Promise<OpenedCase> {
  const cfg = config?.mailboxes.has(input.mailboxId) ? config : await loadConfigSnapshot(tx);
  const settings = cfg.settings;
  const mailbox = cfg.mailboxes.get(input.mailboxId);
  if (!mailbox) throw new Error(`mailbox #${input.mailboxId} does not exist`);
  const chosen = input.areaKey !== undefined ? cfg.areasByKey.get(input.areaKey) : undefined;
  if (input.areaKey !== undefined && !chosen) throw new Error(`area "${input.areaKey}" does not exist`);
  const area = chosen ?? mailbox.defaultArea ?? cfg.areasByKey.get(settings.defaultAreaKey);
  if (!area) throw new Error(`default area "${settings.defaultAreaKey}" does not exist`);
  const groups = groupsOf(cfg, input.requester.id, input.requester.accountId, input.requesterDomain);
  // Assignment rules first (routing/assignment-rules.ts): the first that matches decides what it names.
  const rules = evaluateRules(cfg.assignmentRules, {
    mailboxKey: mailbox.key,
    senderDomain: input.requesterDomain,
    subject: input.subject,
    body: input.description,
    // Detected only when a rule asks: detection reads the text, and most configurations have no such rule.
    language: (cfg.assignmentRules.some((r) => r.when.language) ? writtenLanguage(`${input.subject}\n${input.description}`) : null) ?? input.requester.locale ?? "en",
    hasAttachment: (input.post.attachments?.length ?? 0) > 0,
    groupKeys: groups.map((g) => g.key),
    type: input.type ?? "QUESTION",
    fields: input.fields ?? {},
    productCode: input.product?.code ?? null,
  });
  const ruleActions: RuleActions | null = rules.matched?.then ?? null;
  const routing = routeCase({
    groups,
    area,
    // An area the channel chose counts as the mailbox's (the form stands for a mailbox with its own area).
    areaSource: chosen || mailbox.defaultArea ? "mailbox" : "settings",
    areas: cfg.areasById,
    rule: rules.matched ? ruleRouting(cfg, rules.matched.key, rules.matched.then) : null,
  });
  routing.explain.splice(1, 0, ...rules.explain);
  if (input.assign?.teamId !== undefined) {
    routing.teamId = input.assign.teamId;
    // The routed owner belongs to the routed team; a team chosen by hand picks its own owner below.
    routing.ownerId = null;
    routing.explain.push(`team: chosen by ${input.by ?? "the opening agent"}`);
  }
  if (input.assign?.ownerId !== undefined) {
    routing.ownerId = input.assign.ownerId;
    routing.explain.push(`owner: chosen by ${input.by ?? "the opening agent"}`);
  }
  if (routing.ownerId === null && routing.teamId !== null) {
    const pick = await pickTeamMember(tx, routing.teamId);
    if (pick.agentId !== null) routing.ownerId = pick.agentId;
    routing.explain.push(`owner: ${pick.explain}`);
  }
  const subject = input.subject.trim() || "(no subject)";
  const overflow = subject.length > SUBJECT_MAX ? `${subject}\n\n` : "";
  // Business hours, holidays and severity targets: the SLA service decides the due times, stored with the row.
  const contract = routing.slaContractId === null ? undefined : cfg.contracts.get(routing.slaContractId);
  const due = contract ? openingSlaDue(contract, input.priority ?? routing.priority, input.now) : null;
  const ownerId = routing.ownerId;
  const ruleFollowers = (ruleActions?.followers ?? []).flatMap((k) => {
    const agent = [...cfg.agents.values()].find((a) => a.key === k && a.active);
    return agent ? [{ agentId: agent.id, contactId: null, reason: `rule:${rules.matched!.key}` }] : [];
  });
  // The opening values get the same audit events as any later change of them (case-change.ts), from nothing.
  const opening: CaseEvent[] = [];
  if (input.by) {
    const by = input.by;
    for (const [key, v] of Object.entries(input.fields ?? {})) opening.push({ type: "case.changed", data: { field: `field.${key}`, from: null, to: Array.isArray(v) ? displayValue(v) : v, by } });
    if (input.product) opening.push({ type: "case.changed", data: { field: "product", from: null, to: input.product.code, by } });
  }
  // Case, contacts, followers, opening post, its Message-ID and the case.created event: one statement (filing-write.ts).
  const filed = await fileNewCase(
    tx,
    {
      subject: subject.slice(0, SUBJECT_MAX),
      description: (overflow + input.description.trim()).slice(0, DESCRIPTION_MAX),
      status: ownerId !== null ? "ASSIGNED" : "NEW",
      priority: input.priority ?? routing.priority,
      type: input.type ?? ruleActions?.type ?? "QUESTION",
      tags: ruleActions?.tags ?? [],
      acknowledge: input.acknowledge ?? true,
      origin: input.origin,
      mailboxId: input.mailboxId,
      accountId: input.requester.accountId,
      groupId: routing.groupId,
      areaId: routing.areaId,
      ownerId,
      teamId: routing.teamId,
      slaContractId: routing.slaContractId,
      routing: { explain: routing.explain, threading: input.threading },
      parentCaseId: input.linkTo?.caseId ?? null,
      createdAt: input.now,
      firstResponseDueAt: due?.firstResponseDueAt ?? null,
      nextResponseDueAt: due?.nextResponseDueAt ?? null,
      resolutionDueAt: due?.resolutionDueAt ?? null,
      customFields: input.fields ?? {},
      productId: input.product?.id ?? null,
    },
    {
      post: { ...input.post, visibility: "PUBLIC", author: { contactId: input.requester.id }, threadRule: "new-case" },
      messageId: input.post.messageId ?? null,
      contacts: [{ contactId: input.requester.id, role: "REQUESTER" }, ...input.ccContactIds.map((id) => ({ contactId: id, role: "CC" as const }))],
      followers: [...initialFollowerRows(cfg, { ownerId, teamId: routing.teamId, areaId: routing.areaId }, input.requester), ...ruleFollowers],
      events: [
        {
          event: {
            type: "case.created",
            data: {
              inboundId: input.inboundId,
              forwardedBy: input.forwardedBy,
              routing: routing.explain,
              sla: due ? { firstResponseDueAt: due.firstResponseDueAt?.toISOString() ?? null, resolutionDueAt: due.resolutionDueAt?.toISOString() ?? null } : null,
              threading: input.threading,
              ...(input.by ? { by: input.by } : {}),
              ...(input.clonedFrom ? { clonedFrom: input.clonedFrom } : {}),
            },
          },
        },
        ...opening.map((event) => ({ event })),
      ],
      inbound: input.fileInbound && input.inboundId !== null ? { id: input.inboundId, outcome: "case", processedAt: input.fileInbound.processedAt } : null,
    },
  );
  const created = { id: filed.caseId, number: filed.number ?? 0n };
  await saveAttachments(tx, filed.postId, input.post.attachments ?? []);
  if (input.linkTo) {
    // On the other case, naming this one's number: its own statement (rare: a reply to a closed case).
    await recordEvents(tx, input.linkTo.caseId, [{ type: "case.linked", data: { caseId: created.id, number: caseNo(created.number), reason: input.linkTo.reason } }]);
  }
  return { caseId: created.id, number: caseNo(created.number), postId: filed.postId, schedule: filed.schedule };
}

/** The initial followers' rows (case/followers.ts decides), written with the case. */
function initialFollowerRows(
  cfg: ConfigSnapshot,
  c: { ownerId: number | null; teamId: number | null; areaId: number },
  requester: OpenCaseInput["requester"],
): Array<{ agentId: number | null; contactId: number | null; reason: string }> {
  // Auto-follow never reaches past a directory the agent may not see (group membership grants nothing),
  const autoFollow = [...cfg.agents.values()].filter((a) => a.autoFollowAll && a.active);
  const followers = initialFollowers({
    caseAccess: {
      ownerId: c.ownerId,
      teamId: c.teamId,
      contactIds: [requester.id],
      requesterDirectoryId: requester.directoryId,
      // Nor past an area the agent is not granted; an area this snapshot does not know is treated as restricted.
      restrictedAreaId: cfg.areasById.get(c.areaId)?.restricted === false ? null : c.areaId,
    },
    autoFollowAgents: autoFollow.map((a) => ({ id: a.id, active: a.active, teamIds: a.teamIds, directoryIds: a.directoryIds, areaIds: a.areaIds })),
    requester,
  });
  return [
    ...followers.agentIds.map((f) => ({ agentId: f.id, contactId: null, reason: f.reason })),
    ...followers.contactIds.map((f) => ({ agentId: null, contactId: f.id, reason: f.reason })),
  ];
}

/**
 * Gives a case routed to a team without an agent an owner, as the team is configured. The team row is
 * locked so two cases opened at once take turns instead of both going to the same member.
 */
async function pickTeamMember(tx: Tx, teamId: number): Promise<{ agentId: number | null; explain: string }> {
  await tx.$queryRaw`SELECT id FROM "Team" WHERE id = ${teamId} FOR UPDATE`;
  const team = await tx.team.findUniqueOrThrow({ where: { id: teamId }, include: { members: { include: { agent: true } } } });
  const strategy: TeamAssignment = team.assignment === "round-robin" || team.assignment === "least-loaded" ? team.assignment : "none";
  if (strategy === "none") return { agentId: null, explain: `team ${team.key} assigns nobody automatically` };
  const ids = team.members.map((m) => m.agentId);
  const open = await tx.case.groupBy({ by: ["ownerId"], where: { ownerId: { in: ids }, status: { notIn: ["RESOLVED", "CLOSED"] } }, _count: { _all: true } });
  const pick = assignInTeam(
    strategy,
    team.members.map((m) => ({ agentId: m.agentId, active: m.agent.active, openCases: open.find((o) => o.ownerId === m.agentId)?._count._all ?? 0 })),
    team.lastAssignedAgentId,
  );
  if (pick.agentId !== null) await tx.team.update({ where: { id: teamId }, data: { lastAssignedAgentId: pick.agentId } });
  return { agentId: pick.agentId, explain: `${pick.explain} of ${team.key}` };
}

/** A matched rule's area, team and owner as ids of this configuration (validated at apply, so they exist). */
function ruleRouting(cfg: ConfigSnapshot, ruleKey: string, then: RuleActions): RuleRouting {
  const out: RuleRouting = { ruleKey };
  const area = then.area === undefined ? undefined : cfg.areasByKey.get(then.area);
  if (area) out.areaId = area.id;
  const team = then.team === undefined ? undefined : [...cfg.teams.values()].find((t) => t.key === then.team);
  if (team) out.teamId = team.id;
  const owner = then.owner === undefined ? undefined : [...cfg.agents.values()].find((a) => a.key === then.owner && a.active);
  if (owner) out.ownerId = owner.id;
  if (then.priority) out.priority = then.priority;
  return out;
}

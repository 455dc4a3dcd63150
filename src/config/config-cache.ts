/**
 * The helpdesk configuration (settings, mailboxes, areas, agents and their teams, directory grants, customer
 * groups with their members and responsibilities, accounts, SLA contracts) in memory, so a message costs no
 * configuration reads: it changes only on `config apply`, which moves ConfigVersion.
 *
 * The version is looked at no more than every `checkEveryMs` (one primary-key read, shared by every message in
 * that window), so a change is seen within that bound; `config apply` in this process is seen at once
 * (`configChanged`). Agents' preferences are configuration too (only `config apply` writes them). Not here:
 * Team.lastAssignedAgentId (round-robin state, read under a row lock when a case is assigned).
 *
 * A row written into these tables some other way (a test's fixture, an operator in psql) does not move the
 * version: a caller that meets an id its snapshot does not know asks for a `fresh` one, which is read whole.
 * A changed row written that way is seen after the next `config apply` or restart.
 */
import type { DbOrTx } from "../db/client.ts";
import type { Account, Area, Mailbox, Prisma, Settings } from "../generated/prisma/client.ts";
import type { CasePriority } from "../kernel/domain-types.ts";
import type { GroupCandidate } from "../routing/route-case.ts";
import type { ContractTargets } from "../sla/sla.service.ts";
import { agentAreaIds, agentDirectoryIds } from "../case/access.ts";
import { AssignmentRulesSchema, type AssignmentRule } from "../routing/assignment-rules.ts";
import type { ApprovalRule } from "../approval/approval-rules.ts";
import { loadApprovalRules } from "../approval/approval-store.ts";
import { catalogueOf, type Catalogue } from "../case/case-fields-store.ts";

export interface ConfigAgent {
  id: number;
  key: string;
  name: string;
  email: string;
  aliases: string[];
  locale: string;
  autoFollowAll: boolean;
  preferences: Prisma.JsonValue;
  active: boolean;
  teamIds: number[];
  /** Directories the agent may see, directly or through a team. */
  directoryIds: number[];
  /** Restricted areas granted to the agent, directly or through a team. */
  areaIds: number[];
}

export type ConfigGroup = Omit<GroupCandidate, "via">;

export interface ConfigTeam {
  id: number;
  key: string;
  name: string;
  followsCases: boolean;
  leadAgentId: number | null;
  memberIds: number[];
}

export interface ConfigContract extends ContractTargets {
  id: number;
  calendar: Prisma.JsonValue | null;
  warningShare: number;
}

export interface ConfigSnapshot {
  version: bigint;
  settings: Settings;
  mailboxes: ReadonlyMap<number, Mailbox & { defaultArea: Area | null }>;
  /** Every mailbox address, lower-cased: our own addresses for loop and Cc rules. */
  ownAddresses: readonly string[];
  areasByKey: ReadonlyMap<string, Area>;
  areasById: ReadonlyMap<number, Area>;
  /** Teams as configured (without the round-robin position, which is not configuration). */
  teams: ReadonlyMap<number, ConfigTeam>;
  groupNames: ReadonlyMap<number, string>;
  agents: ReadonlyMap<number, ConfigAgent>;
  grants: ReadonlyArray<{ directoryId: number; agentId: number | null; teamId: number | null }>;
  groupsByContact: ReadonlyMap<number, readonly ConfigGroup[]>;
  groupsByAccount: ReadonlyMap<number, readonly ConfigGroup[]>;
  groupsByDomain: ReadonlyMap<string, readonly ConfigGroup[]>;
  /** The account owning a mail domain (the first configured, as `findFirst` did). */
  accountByDomain: ReadonlyMap<string, Account>;
  contracts: ReadonlyMap<number, ConfigContract>;
  /** Approval rules in the configured order (src/approval). */
  approvalRules: readonly ApprovalRule[];
  /** Settings.assignmentRules, validated. */
  assignmentRules: readonly AssignmentRule[];
  /** Custom case fields and products (case-fields-store.ts), for notices without a read per message. */
  catalogue: Catalogue;
}

/**
 * Reads the whole configuration. Sequential on purpose: inside a transaction there is one connection, and
 * queries issued at once would only queue on it.
 */
export async function loadConfigSnapshot(db: DbOrTx): Promise<ConfigSnapshot> {
  const versionRow = await db.configVersion.findUnique({ where: { id: 1 } });
  const settings = await db.settings.findUniqueOrThrow({ where: { id: 1 } });
  const mailboxes = await db.mailbox.findMany({ include: { defaultArea: true }, orderBy: { id: "asc" } });
  const areas = await db.area.findMany();
  const teams = await db.team.findMany({ select: { id: true, key: true, name: true, followsCases: true, leadAgentId: true, members: { select: { agentId: true } } } });
  const agentRows = await db.agent.findMany({ include: { teams: { select: { teamId: true } } }, orderBy: { id: "asc" } });
  const grants = await db.directoryAccess.findMany({ select: { directoryId: true, agentId: true, teamId: true } });
  const areaGrants = await db.areaAccess.findMany({ select: { areaId: true, agentId: true, teamId: true } });
  const groups = await db.customerGroup.findMany({
    include: { responsibilities: true, contacts: { select: { contactId: true } }, accounts: { select: { accountId: true } }, domains: { select: { domain: true } } },
    orderBy: { id: "asc" },
  });
  const accounts = await db.account.findMany({ orderBy: { id: "asc" } });
  const contracts = await db.slaContract.findMany({ include: { targets: true, severityTargets: true } });
  const approvalRules = await loadApprovalRules(db);
  const products = await db.product.findMany({ orderBy: { code: "asc" } });

  const byContact = new Map<number, ConfigGroup[]>();
  const byAccount = new Map<number, ConfigGroup[]>();
  const byDomain = new Map<string, ConfigGroup[]>();
  const push = <K>(map: Map<K, ConfigGroup[]>, key: K, g: ConfigGroup) => map.set(key, [...(map.get(key) ?? []), g]);
  for (const g of groups) {
    const group: ConfigGroup = {
      id: g.id,
      key: g.key,
      priority: g.priority,
      slaContractId: g.slaContractId,
      defaultCasePriority: g.defaultCasePriority as CasePriority,
      responsibilities: g.responsibilities.map((r) => ({ areaId: r.areaId, agentId: r.agentId, teamId: r.teamId, caseAreaId: r.caseAreaId })),
    };
    for (const c of g.contacts) push(byContact, c.contactId, group);
    for (const a of g.accounts) push(byAccount, a.accountId, group);
    for (const d of g.domains) push(byDomain, d.domain, group);
  }
  const accountByDomain = new Map<string, Account>();
  for (const a of accounts) for (const d of a.domains) if (!accountByDomain.has(d)) accountByDomain.set(d, a);

  const rules = AssignmentRulesSchema.safeParse(settings.assignmentRules);
  if (!rules.success) throw new Error(`Settings.assignmentRules is not valid (run \`mailcase config apply\`): ${rules.error.issues[0]?.message ?? ""}`);

  return {
    assignmentRules: rules.data,
    catalogue: catalogueOf(settings.caseFields, products),
    version: versionRow?.version ?? 0n,
    settings,
    mailboxes: new Map(mailboxes.map((m) => [m.id, m])),
    ownAddresses: mailboxes.map((m) => m.address.toLowerCase()),
    areasByKey: new Map(areas.map((a) => [a.key, a])),
    areasById: new Map(areas.map((a) => [a.id, a])),
    teams: new Map(teams.map(({ members, ...t }) => [t.id, { ...t, memberIds: members.map((m) => m.agentId) }])),
    groupNames: new Map(groups.map((g) => [g.id, g.name])),
    agents: new Map(
      agentRows.map((a) => {
        const teamIds = a.teams.map((t) => t.teamId);
        const { teams: _teams, ...agent } = a;
        return [a.id, { ...agent, teamIds, directoryIds: agentDirectoryIds(a.id, teamIds, grants), areaIds: agentAreaIds(a.id, teamIds, areaGrants) }];
      }),
    ),
    grants,
    groupsByContact: byContact,
    groupsByAccount: byAccount,
    groupsByDomain: byDomain,
    accountByDomain,
    approvalRules,
    contracts: new Map(contracts.map((c) => [c.id, { ...c, targets: c.targets.map((t) => ({ ...t, priority: t.priority as CasePriority })) }])),
  };
}

/** Every customer group the requester belongs to, directly, through their account, or by mail domain (first wins). */
export function groupsOf(cfg: ConfigSnapshot, contactId: number, accountId: number | null, domain: string): GroupCandidate[] {
  const out = new Map<number, GroupCandidate>();
  const add = (list: readonly ConfigGroup[] | undefined, via: GroupCandidate["via"]) => {
    for (const g of list ?? []) if (!out.has(g.id)) out.set(g.id, { ...g, via });
  };
  add(cfg.groupsByContact.get(contactId), "contact");
  add(accountId === null ? undefined : cfg.groupsByAccount.get(accountId), "account");
  add(cfg.groupsByDomain.get(domain), "domain");
  return [...out.values()];
}

/** Bumped by `configChanged()`: every cache in this process reloads on its next read. */
let localGeneration = 0;

/** This process just changed the configuration (`config apply`): no cache of this process may serve the old one. */
export function configChanged(): void {
  localGeneration++;
}

export class ConfigCache {
  private snapshot: ConfigSnapshot | null = null;
  private loading: Promise<ConfigSnapshot> | null = null;
  private checkedAt = 0;
  private generation = -1;

  constructor(
    private readonly db: DbOrTx,
    /** How stale a configuration written by another process may be served, at most. */
    private readonly checkEveryMs = 500,
  ) {}

  /**
   * The configuration, at most `checkEveryMs` old. `fresh`: read it whole now, for a caller that met an id the
   * snapshot does not know (a row written since, perhaps without `config apply`).
   */
  async get(opts: { fresh?: boolean } = {}): Promise<ConfigSnapshot> {
    const now = Date.now();
    if (!opts.fresh && this.snapshot && this.generation === localGeneration && now - this.checkedAt < this.checkEveryMs) return this.snapshot;
    // One load or version check at a time: a burst of messages shares it.
    if (opts.fresh) return this.reload();
    this.loading ??= this.refresh().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async reload(): Promise<ConfigSnapshot> {
    const generation = localGeneration;
    const started = Date.now();
    const snapshot = await loadConfigSnapshot(this.db);
    this.snapshot = snapshot;
    this.generation = generation;
    this.checkedAt = started;
    return snapshot;
  }

  private async refresh(): Promise<ConfigSnapshot> {
    if (this.snapshot && this.generation === localGeneration) {
      const started = Date.now();
      const row = await this.db.configVersion.findUnique({ where: { id: 1 }, select: { version: true } });
      if ((row?.version ?? 0n) === this.snapshot.version) {
        this.checkedAt = started;
        return this.snapshot;
      }
    }
    return this.reload();
  }
}

/**
 * Applies a validated HelpdeskConfig to the database in one transaction. Idempotent: entities are
 * upserted by key, membership and responsibility tables are replaced with exactly what the file says,
 * agents and mailboxes missing from the file are deactivated (never deleted: cases still reference them).
 */
import type { Db } from "../db/client.ts";
import type { HelpdeskConfig } from "./helpdesk-config.ts";
import { PRIORITIES } from "./helpdesk-config.ts";

export interface ApplySummary {
  mailboxes: number;
  agents: number;
  teams: number;
  areas: number;
  slaContracts: number;
  accounts: number;
  contacts: number;
  customerGroups: number;
}

export async function applyConfig(db: Db, cfg: HelpdeskConfig): Promise<ApplySummary> {
  return db.$transaction(
    async (tx) => {
      const agentId = new Map<string, number>();
      for (const a of cfg.agents) {
        const row = await tx.agent.upsert({
          where: { key: a.key },
          create: { key: a.key, name: a.name, email: a.email, aliases: a.aliases, locale: a.locale, autoFollowAll: a.autoFollowAll },
          update: { name: a.name, email: a.email, aliases: a.aliases, locale: a.locale, autoFollowAll: a.autoFollowAll, active: true },
        });
        agentId.set(a.key, row.id);
      }
      await tx.agent.updateMany({ where: { key: { notIn: cfg.agents.map((a) => a.key) } }, data: { active: false, autoFollowAll: false } });

      const teamId = new Map<string, number>();
      for (const t of cfg.teams) {
        const row = await tx.team.upsert({ where: { key: t.key }, create: { key: t.key, name: t.name }, update: { name: t.name } });
        teamId.set(t.key, row.id);
        await tx.teamMember.deleteMany({ where: { teamId: row.id } });
        await tx.teamMember.createMany({ data: t.members.map((m) => ({ teamId: row.id, agentId: agentId.get(m)! })) });
      }

      const areaId = new Map<string, number>();
      for (const a of cfg.areas) {
        const data = {
          name: a.name,
          defaultAgentId: a.agent ? agentId.get(a.agent)! : null,
          defaultTeamId: a.team ? teamId.get(a.team)! : null,
        };
        const row = await tx.area.upsert({ where: { key: a.key }, create: { key: a.key, ...data }, update: data });
        areaId.set(a.key, row.id);
      }
      await tx.settings.upsert({
        where: { id: 1 },
        create: { id: 1, defaultAreaKey: cfg.settings.defaultArea, caseTagPrefix: cfg.settings.caseTagPrefix },
        update: { defaultAreaKey: cfg.settings.defaultArea, caseTagPrefix: cfg.settings.caseTagPrefix },
      });

      for (const m of cfg.mailboxes) {
        const data = {
          address: m.address,
          displayName: m.name,
          imapHost: m.imap.host,
          imapPort: m.imap.port,
          imapSecure: m.imap.secure,
          imapUser: m.imap.user,
          imapPassword: m.imap.passwordEnv ? `env:${m.imap.passwordEnv}` : m.imap.password!,
          folder: m.folder,
          afterFetch: m.afterFetch,
          moveTo: m.moveTo ?? null,
          defaultAreaId: m.defaultArea ? areaId.get(m.defaultArea)! : null,
          active: true,
        };
        await tx.mailbox.upsert({ where: { key: m.key }, create: { key: m.key, ...data }, update: data });
      }
      await tx.mailbox.updateMany({ where: { key: { notIn: cfg.mailboxes.map((m) => m.key) } }, data: { active: false } });

      const slaId = new Map<string, number>();
      for (const s of cfg.slaContracts) {
        const row = await tx.slaContract.upsert({ where: { key: s.key }, create: { key: s.key, name: s.name }, update: { name: s.name } });
        slaId.set(s.key, row.id);
        await tx.slaTarget.deleteMany({ where: { contractId: row.id } });
        await tx.slaTarget.createMany({
          data: PRIORITIES.flatMap((p) => {
            const t = s.targets[p];
            return t ? [{ contractId: row.id, priority: p, firstResponseMinutes: t.firstResponse, resolutionMinutes: t.resolution }] : [];
          }),
        });
      }

      const accountId = new Map<string, number>();
      for (const a of cfg.accounts) {
        const row = await tx.account.upsert({ where: { key: a.key }, create: { key: a.key, name: a.name, domains: a.domains }, update: { name: a.name, domains: a.domains } });
        accountId.set(a.key, row.id);
      }

      const contactId = new Map<string, number>();
      for (const c of cfg.contacts) {
        const data = { name: c.name ?? null, accountId: c.account ? accountId.get(c.account)! : null, portalUser: c.portal, locale: c.locale };
        const row = await tx.contact.upsert({ where: { email: c.email }, create: { email: c.email, ...data }, update: data });
        contactId.set(c.email, row.id);
      }

      for (const g of cfg.customerGroups) {
        const data = { name: g.name, priority: g.priority, slaContractId: g.sla ? slaId.get(g.sla)! : null, defaultCasePriority: g.defaultPriority };
        const row = await tx.customerGroup.upsert({ where: { key: g.key }, create: { key: g.key, ...data }, update: data });
        await tx.customerGroupContact.deleteMany({ where: { groupId: row.id } });
        await tx.customerGroupAccount.deleteMany({ where: { groupId: row.id } });
        await tx.customerGroupDomain.deleteMany({ where: { groupId: row.id } });
        await tx.groupResponsibility.deleteMany({ where: { groupId: row.id } });
        for (const email of g.members.contacts) {
          // A group may name a contact the contacts list does not: create it bare so membership holds.
          const id = contactId.get(email) ?? (await tx.contact.upsert({ where: { email }, create: { email }, update: {} })).id;
          await tx.customerGroupContact.create({ data: { groupId: row.id, contactId: id } });
        }
        await tx.customerGroupAccount.createMany({ data: g.members.accounts.map((a) => ({ groupId: row.id, accountId: accountId.get(a)! })) });
        await tx.customerGroupDomain.createMany({ data: g.members.domains.map((domain) => ({ groupId: row.id, domain })) });
        await tx.groupResponsibility.createMany({
          data: Object.entries(g.responsibilities).map(([area, r]) => ({
            groupId: row.id,
            areaId: areaId.get(area)!,
            agentId: r.agent ? agentId.get(r.agent)! : null,
            teamId: r.team ? teamId.get(r.team)! : null,
          })),
        });
      }

      return {
        mailboxes: cfg.mailboxes.length,
        agents: cfg.agents.length,
        teams: cfg.teams.length,
        areas: cfg.areas.length,
        slaContracts: cfg.slaContracts.length,
        accounts: cfg.accounts.length,
        contacts: cfg.contacts.length,
        customerGroups: cfg.customerGroups.length,
      };
    },
    { timeout: 60_000 },
  );
}

/** Resolves a stored mailbox password: "env:NAME" reads the variable at runtime, anything else is literal. */
export function resolvePassword(stored: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!stored.startsWith("env:")) return stored;
  const name = stored.slice(4);
  const value = env[name];
  if (value === undefined) throw new Error(`mailbox password variable ${name} is not set`);
  return value;
}

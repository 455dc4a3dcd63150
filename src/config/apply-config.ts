/**
 * Applies a validated HelpdeskConfig to the database in one transaction. Idempotent: entities are
 * upserted by key, membership and responsibility tables are replaced with exactly what the file says,
 * agents and mailboxes missing from the file are deactivated (never deleted: cases still reference them).
 */
import { configChanged } from "./config-cache.ts";
import type { Db } from "../db/client.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { BusinessCalendar } from "../sla/calendar.ts";
import { preferencesFromConfig } from "./agent-preferences.ts";
import type { HelpdeskConfig } from "./helpdesk-config.ts";
import { PRIORITIES, SEVERITIES } from "./helpdesk-config.ts";
import { exposureJson } from "../portal/portal-config.ts";
import { applyWebhooks } from "./webhook-config.ts";
import { accountsByDomain, contactAccount } from "./contact-accounts.ts";
import { applyKbConfig } from "../kb/kb-apply.ts";
import { applyWebForms } from "../portal/web-form-store.ts";

export interface ApplySummary {
  mailboxes: number;
  agents: number;
  teams: number;
  areas: number;
  slaContracts: number;
  accounts: number;
  contacts: number;
  customerGroups: number;
  directories: number;
  portals: number;
}

export async function applyConfig(db: Db, cfg: HelpdeskConfig): Promise<ApplySummary> {
  const summary = await db.$transaction(
    async (tx) => {
      const agentId = new Map<string, number>();
      for (const a of cfg.agents) {
        // Preferences are what the file says, every event explicit (a key removed from the file goes back to on).
        const preferences = preferencesFromConfig(a.notify);
        const row = await tx.agent.upsert({
          where: { key: a.key },
          create: { key: a.key, name: a.name, email: a.email, aliases: a.aliases, locale: a.locale, autoFollowAll: a.autoFollowAll, preferences },
          update: { name: a.name, email: a.email, aliases: a.aliases, locale: a.locale, autoFollowAll: a.autoFollowAll, preferences, active: true },
        });
        agentId.set(a.key, row.id);
      }
      await tx.agent.updateMany({ where: { key: { notIn: cfg.agents.map((a) => a.key) } }, data: { active: false, autoFollowAll: false } });

      const teamId = new Map<string, number>();
      for (const t of cfg.teams) {
        const data = { name: t.name, leadAgentId: t.lead ? agentId.get(t.lead)! : null, followsCases: t.followsCases, assignment: t.assignment };
        const row = await tx.team.upsert({ where: { key: t.key }, create: { key: t.key, ...data }, update: data });
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
        const row = await tx.area.upsert({ where: { key: a.key }, create: { key: a.key, ...data, restricted: a.access !== undefined }, update: { ...data, restricted: a.access !== undefined } });
        areaId.set(a.key, row.id);
        // Access lists are what the file says; an area without `access` is open and keeps no grants.
        await tx.areaAccess.deleteMany({ where: { areaId: row.id } });
        await tx.areaAccess.createMany({
          data: [
            ...[...new Set(a.access?.agents ?? [])].map((k) => ({ areaId: row.id, agentId: agentId.get(k)! })),
            ...[...new Set(a.access?.teams ?? [])].map((k) => ({ areaId: row.id, teamId: teamId.get(k)! })),
          ],
        });
      }
      // Workers hold the configuration in memory and reload it when this moves (config/config-cache.ts).
      await tx.configVersion.upsert({ where: { id: 1 }, create: { id: 1, version: 1n }, update: { version: { increment: 1 } } });
      await tx.settings.upsert({
        where: { id: 1 },
        create: { id: 1, ...settingsData(cfg) },
        update: settingsData(cfg),
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
          ackArticles: m.ackArticles,
        };
        await tx.mailbox.upsert({ where: { key: m.key }, create: { key: m.key, ...data }, update: data });
      }
      await tx.mailbox.updateMany({ where: { key: { notIn: cfg.mailboxes.map((m) => m.key) } }, data: { active: false } });
      // A product dropped from the file stays on its cases, inactive (like mailboxes).
      for (const p of cfg.products) await tx.product.upsert({ where: { code: p.code }, create: p, update: { name: p.name, active: p.active } });
      await tx.product.updateMany({ where: { code: { notIn: cfg.products.map((p) => p.code) } }, data: { active: false } });

      const slaId = new Map<string, number>();
      for (const s of cfg.slaContracts) {
        // A contract without a calendar runs around the clock: SQL NULL, not a JSON null.
        const data = { name: s.name, calendar: s.calendar ? calendarJson(s.calendar) : Prisma.DbNull, warningShare: s.warningShare, escalateTo: s.escalateTo, followUp: s.followUp ?? Prisma.DbNull };
        const row = await tx.slaContract.upsert({ where: { key: s.key }, create: { key: s.key, ...data }, update: data });
        slaId.set(s.key, row.id);
        await tx.slaTarget.deleteMany({ where: { contractId: row.id } });
        await tx.slaTarget.createMany({
          data: PRIORITIES.flatMap((p) => {
            const t = s.targets[p];
            return t
              ? [{ contractId: row.id, priority: p, firstResponseMinutes: t.firstResponse, nextResponseMinutes: t.nextResponse ?? null, resolutionMinutes: t.resolution }]
              : [];
          }),
        });
        await tx.slaSeverityTarget.deleteMany({ where: { contractId: row.id } });
        await tx.slaSeverityTarget.createMany({
          data: SEVERITIES.flatMap((severity) => {
            const t = s.severityTargets[severity];
            return t
              ? [{ contractId: row.id, severity, firstResponseMinutes: t.firstResponse, nextResponseMinutes: t.nextResponse ?? null, resolutionMinutes: t.resolution }]
              : [];
          }),
        });
      }

      const accountId = new Map<string, number>();
      for (const a of cfg.accounts) {
        const row = await tx.account.upsert({ where: { key: a.key }, create: { key: a.key, name: a.name, domains: a.domains }, update: { name: a.name, domains: a.domains } });
        accountId.set(a.key, row.id);
      }

      // Directories: upserted by key, access lists replaced by what the file says. A directory missing from the
      // file is left as it is (like teams and groups): dropping its access here would hide its contacts from
      // everybody, and its contacts are moved out only by listing them without it.
      const directoryId = new Map<string, number>();
      for (const d of cfg.directories) {
        const row = await tx.directory.upsert({ where: { key: d.key }, create: { key: d.key, name: d.name }, update: { name: d.name } });
        directoryId.set(d.key, row.id);
        await tx.directoryAccess.deleteMany({ where: { directoryId: row.id } });
        await tx.directoryAccess.createMany({
          data: [
            ...[...new Set(d.access.agents)].map((a) => ({ directoryId: row.id, agentId: agentId.get(a)! })),
            ...[...new Set(d.access.teams)].map((t) => ({ directoryId: row.id, teamId: teamId.get(t)! })),
          ],
        });
      }

      const contactId = new Map<string, number>();
      const domainAccounts = accountsByDomain(cfg.accounts);
      // Contacts not listed with `account` whose domain an account lists join it, including contacts met
      // before (by mail, by the portal) the domain was given to the account (config/contact-accounts.ts).
      for (const [domain, key] of domainAccounts) {
        await tx.contact.updateMany({
          where: { email: { endsWith: `@${domain}`, mode: "insensitive" }, NOT: { email: { in: cfg.contacts.filter((c) => c.account !== undefined).map((c) => c.email) } } },
          data: { accountId: accountId.get(key)! },
        });
      }
      for (const c of cfg.contacts) {
        // A listed contact without `directory` is in the open directory: the file is the whole truth about it.
        const account = contactAccount(c, domainAccounts).account;
        const data = {
          name: c.name ?? null,
          accountId: account ? accountId.get(account)! : null,
          directoryId: c.directory ? directoryId.get(c.directory)! : null,
          portalUser: c.portal,
          portalRole: c.portalRole ?? null,
          phone: c.phone ?? null,
          // Only when the file says: otherwise the language a portal user chose (preferences page) stays.
          ...(c.locale !== undefined ? { locale: c.locale } : {}),
        };
        const row = await tx.contact.upsert({ where: { email: c.email }, create: { email: c.email, ...data }, update: data });
        contactId.set(c.email, row.id);
      }

      for (const g of cfg.customerGroups) {
        const data = { name: g.name, priority: g.priority, slaContractId: g.sla ? slaId.get(g.sla)! : null, defaultCasePriority: g.defaultPriority, followUp: g.followUp ?? Prisma.DbNull };
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
            caseAreaId: r.area ? areaId.get(r.area)! : null,
          })),
        });
      }

      // Portals: upserted by key; one missing from the file stops serving (its sessions then fail their
      // per-request check, see src/portal/session.ts).
      for (const p of cfg.portals) {
        const data = { path: p.path, name: p.name, languages: p.languages, theme: { ...p.theme }, exposure: exposureJson(p.exposure) as Prisma.InputJsonObject, selfRegistration: p.selfRegistration ? { accounts: p.selfRegistration.accounts } : Prisma.DbNull, active: true };
        await tx.portal.upsert({ where: { key: p.key }, create: { key: p.key, ...data }, update: data });
      }
      await tx.portal.updateMany({ where: { key: { notIn: cfg.portals.map((p) => p.key) } }, data: { active: false } });
      await applyWebhooks(tx, cfg.webhooks);

      // Approval rules: exactly the file's, in its order (pending requests keep what they were opened with).
      await tx.approvalRule.deleteMany({});
      await tx.approvalRule.createMany({
        data: cfg.approvalRules.map((r, position) => ({ key: r.key, position, definition: JSON.parse(JSON.stringify(r)) as Prisma.InputJsonObject })),
      });
      await applyKbConfig(tx, cfg.kb);
      await applyWebForms(tx, cfg.webForms);

      return {
        portals: cfg.portals.length,
        mailboxes: cfg.mailboxes.length,
        agents: cfg.agents.length,
        teams: cfg.teams.length,
        areas: cfg.areas.length,
        slaContracts: cfg.slaContracts.length,
        accounts: cfg.accounts.length,
        contacts: cfg.contacts.length,
        customerGroups: cfg.customerGroups.length,
        directories: cfg.directories.length,
      };
    },
    { timeout: 60_000 },
  );
  // Other processes see the new version through ConfigVersion (bumped above, in the same transaction); this one at once.
  configChanged();
  return summary;
}

/** The module-wide settings row as the file says (every field, so a key removed from the file goes back to its default). */
function settingsData(cfg: HelpdeskConfig) {
  return {
    defaultAreaKey: cfg.settings.defaultArea,
    caseTagPrefix: cfg.settings.caseTagPrefix,
    caseNumberFormat: cfg.settings.caseNumberFormat,
    closedReplyPolicy: cfg.settings.closedReplyPolicy,
    slaPausedStatuses: cfg.settings.slaPausedStatuses,
    automation: cfg.automation,
    // Stored as validated (keys, not ids): read back through AssignmentRulesSchema by config-cache.ts.
    assignmentRules: cfg.assignmentRules as unknown as Prisma.InputJsonArray,
    statusFlows: cfg.statusFlows as unknown as Prisma.InputJsonObject,
    // Stored as validated: read back through CaseFieldSchema (src/case/case-fields-store.ts).
    caseFields: cfg.caseFields as unknown as Prisma.InputJsonArray,
  };
}

/** A validated calendar as stored JSON (read back with BusinessCalendarSchema in sla.service.ts calendarOf). */
function calendarJson(cal: BusinessCalendar): Prisma.InputJsonObject {
  const week: Record<string, Prisma.InputJsonObject[]> = {};
  for (const [day, windows] of Object.entries(cal.week)) if (windows) week[day] = windows.map((w) => ({ start: w.start, end: w.end }));
  return { timeZone: cal.timeZone, week, holidays: [...cal.holidays] };
}

/** Resolves a stored mailbox password: "env:NAME" reads the variable at runtime, anything else is literal. */
export function resolvePassword(stored: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!stored.startsWith("env:")) return stored;
  const name = stored.slice(4);
  const value = env[name];
  if (value === undefined) throw new Error(`mailbox password variable ${name} is not set`);
  return value;
}

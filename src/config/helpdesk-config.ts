import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { Duration, Key } from "../kernel/config-values.ts";
import { BusinessCalendarSchema } from "../sla/calendar-schema.ts";
import { exposureRuleCatalogueIssues, PortalConfigSchema } from "../portal/portal-config.ts";
import { ApprovalRuleSchema } from "../approval/approval-rules.ts";
import { AutomationSettingsSchema, DEFAULT_AUTOMATION, FollowUpSchema } from "./automation-config.ts";
import { WebhooksConfigSchema } from "./webhook-config.ts";
import { AssignmentRulesSchema, ruleCatalogueIssues, ruleReferences } from "../routing/assignment-rules.ts";
import { StatusFlowsSchema } from "../case/status-flow.ts";
import { checkKbConfig, KbConfigSchema } from "../kb/kb-config.ts";
import { WebFormConfigSchema, webFormReferenceIssues } from "../portal/web-form-config.ts";
import { CaseFieldSchema, catalogueIssues, ProductSchema } from "../case/custom-fields.ts";

/**
 * The helpdesk's declared configuration (mailboxes, agents, teams, areas, customer groups, SLA contracts,
 * directories).
 * Loaded from YAML or JSON, validated here with errors that name the offending field, and applied
 * idempotently by `mailcase config apply`.
 */

const Email = z.string().trim().toLowerCase().pipe(z.email());
const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/, "must be a mail domain such as example.com");
const Locale = z.enum(["en", "cs", "pl", "zh"]);
export const PRIORITIES = ["LOW", "NORMAL", "HIGH", "URGENT"] as const;
const Priority = z.enum(PRIORITIES);
export const SEVERITIES = ["MINOR", "MAJOR", "CRITICAL", "BLOCKER"] as const;
const Severity = z.enum(SEVERITIES);
/** Statuses the SLA clock may stand still in (a done case's clocks are over anyway). */
const PausableStatus = z.enum(["NEW", "ASSIGNED", "IN_PROGRESS", "WAITING_ON_CUSTOMER"]);

/**
 * How case numbers are shown: `{prefix}`, `{n}`, `{n:6}` (zero-padded to 6 digits), `{yyyy}` (year opened).
 * The number must be in it (it is what identifies the case); one line, since it ends up in subjects.
 */
const CaseNumberFormat = z
  .string()
  .regex(/^[^\r\n]{1,40}$/, "one line of at most 40 characters")
  .superRefine((format, ctx) => {
    const placeholders = format.match(/\{[^{}]*\}/g) ?? [];
    for (const p of placeholders) {
      if (!/^\{(?:prefix|n|n:[1-9]\d?|yyyy)\}$/.test(p)) ctx.addIssue({ code: "custom", message: `unknown placeholder ${p} (use {prefix}, {n}, {n:6}, {yyyy})` });
    }
    if (/[{}]/.test(format.replace(/\{[^{}]*\}/g, ""))) ctx.addIssue({ code: "custom", message: "unbalanced { or }" });
    if (!placeholders.some((p) => /^\{n(?::\d+)?\}$/.test(p))) ctx.addIssue({ code: "custom", message: "must contain {n} (or {n:6}): the number identifies the case" });
  });

// Key and Duration live in kernel/config-values.ts, shared with the rule modules this file imports.
export { Duration } from "../kernel/config-values.ts";

/** One SLA target: first response and resolution always, next response (each later customer post) optionally. */
const SlaTarget = z.object({ firstResponse: Duration, nextResponse: Duration.optional(), resolution: Duration }).strict();

/** Per process area: who is responsible, and (`area`) the area the group's cases of it are processed in. */
const Responsibility = z
  .object({ agent: Key.optional(), team: Key.optional(), area: Key.optional() })
  .strict()
  .refine((r) => r.agent !== undefined || r.team !== undefined || r.area !== undefined, "name an agent, a team, an area, or several");

/** Who may see an area's cases; an area without `access` is open to every agent. */
const AreaAccess = z.object({ agents: z.array(Key).default([]), teams: z.array(Key).default([]) }).strict();

const ConfigSchema = z
  .object({
    settings: z
      .object({
        defaultArea: Key,
        caseTagPrefix: z.string().regex(/^[A-Z][A-Z0-9]{0,9}$/, "upper-case letters/digits, e.g. MC").default("MC"),
        caseNumberFormat: CaseNumberFormat.default("{prefix}-{n}"),
        /** What a customer's reply to a CLOSED case does (src/case/status.ts onCustomerReply). */
        closedReplyPolicy: z.enum(["new-linked-case", "reopen", "append"]).default("new-linked-case"),
        /** Statuses in which the SLA clock stands still (waiting on the customer by default). */
        slaPausedStatuses: z
          .array(PausableStatus)
          .default(["WAITING_ON_CUSTOMER"])
          .transform((list) => [...new Set(list)]),
      })
      .strict(),
    areas: z
      .array(z.object({ key: Key, name: z.string().min(1), agent: Key.optional(), team: Key.optional(), access: AreaAccess.optional() }).strict())
      .min(1),
    mailboxes: z
      .array(
        z
          .object({
            key: Key,
            address: Email,
            name: z.string().min(1),
            imap: z
              .object({
                host: z.string().min(1),
                port: z.number().int().positive(),
                secure: z.boolean().default(false),
                user: z.string().min(1),
                password: z.string().optional(),
                /** Name of an environment variable holding the password (preferred outside the lab). */
                passwordEnv: z.string().optional(),
              })
              .strict()
              .refine((i) => i.password !== undefined || i.passwordEnv !== undefined, "set password or passwordEnv"),
            folder: z.string().default("INBOX"),
            afterFetch: z.enum(["seen", "move"]).default("seen"),
            moveTo: z.string().optional(),
            defaultArea: Key.optional(),
            /** Published knowledge base articles (0-3) matching a new case, listed in its acknowledgement. */
            ackArticles: z.number().int().min(0).max(3).default(0),
          })
          .strict()
          .refine((m) => m.afterFetch !== "move" || m.moveTo !== undefined, {
            message: "afterFetch: move needs moveTo",
            path: ["moveTo"],
          }),
      )
      .min(1),
    agents: z
      .array(
        z
          .object({
            key: Key,
            name: z.string().min(1),
            email: Email,
            aliases: z.array(Email).default([]),
            locale: Locale.default("en"),
            autoFollowAll: z.boolean().default(false),
            /** Which emails the agent wants (src/config/agent-preferences.ts); every one is on unless switched off. */
            notify: z
              .object({
                newCaseInTeam: z.boolean().default(true),
                followedCasePost: z.boolean().default(true),
                assignedToMe: z.boolean().default(true),
                slaWarning: z.boolean().default(true),
              })
              .strict()
              .default({ newCaseInTeam: true, followedCasePost: true, assignedToMe: true, slaWarning: true }),
          })
          .strict(),
      )
      .default([]),
    teams: z
      .array(
        z
          .object({
            key: Key,
            name: z.string().min(1),
            members: z.array(Key).default([]),
            /** Agent key: gets the SLA escalations of the team's cases. */
            lead: Key.optional(),
            /** Whether the members get the new-case notice of the team's cases; off: only owner and followers hear of them. */
            followsCases: z.boolean().default(true),
            /** Owner for a case routed to the team without an agent: nobody, the next member in turn, or the least loaded. */
            assignment: z.enum(["none", "round-robin", "least-loaded"]).default("none"),
          })
          .strict(),
      )
      .default([]),
    slaContracts: z
      .array(
        z
          .object({
            key: Key,
            name: z.string().min(1),
            /** Business hours (time zone, weekly windows, holidays); none: around the clock. */
            calendar: BusinessCalendarSchema.optional(),
            /** Share of a target after which the owner is warned (0.8 = at 80 %). */
            warningShare: z.number().min(0, "must be between 0 and 1").max(1, "must be between 0 and 1").default(0.8),
            /** Addresses that get breach escalations besides the owner and the team lead. */
            escalateTo: z.array(Email).default([]),
            targets: z.partialRecord(Priority, SlaTarget),
            /** Targets by assessed severity: when a case has a severity listed here, it wins over priority. */
            severityTargets: z.partialRecord(Severity, SlaTarget).default({}),
            /** Reminders to the customer while a case under this contract waits on them (src/config/automation-config.ts). */
            followUp: FollowUpSchema.optional(),
          })
          .strict(),
      )
      .default([]),
    accounts: z
      .array(z.object({ key: Key, name: z.string().min(1), domains: z.array(Domain).default([]) }).strict())
      .default([]),
    /** Address books: an agent sees a contact (and the cases it requested) only through `access`, never through a customer group. */
    directories: z
      .array(
        z
          .object({
            key: Key,
            name: z.string().min(1),
            access: z
              .object({ agents: z.array(Key).default([]), teams: z.array(Key).default([]) })
              .strict()
              .default({ agents: [], teams: [] }),
          })
          .strict(),
      )
      .default([]),
    contacts: z
      .array(
        z
          .object({
            email: Email,
            name: z.string().optional(),
            account: Key.optional(),
            /** Directory key; none: the open directory every agent may see. */
            directory: Key.optional(),
            portal: z.boolean().default(false),
            /** Role in their account for portal exposure rules limited to a role (e.g. manager). */
            portalRole: z.string().min(1).max(50).optional(),
            /** Omitted: "en" for a new contact, and the language the contact chose on the portal is kept. */
            locale: Locale.optional(),
            /** Shown with the contact's cases; free form (people write numbers in many ways), one line. */
            phone: z.string().trim().regex(/^[0-9+()./ -]{3,40}$/, "a phone number: digits, spaces and + ( ) . / -").optional(),
          })
          .strict(),
      )
      .default([]),
    customerGroups: z
      .array(
        z
          .object({
            key: Key,
            name: z.string().min(1),
            priority: z.number().int().default(100),
            sla: Key.optional(),
            defaultPriority: Priority.default("NORMAL"),
            members: z
              .object({
                contacts: z.array(Email).default([]),
                accounts: z.array(Key).default([]),
                domains: z.array(Domain).default([]),
              })
              .strict()
              .default({ contacts: [], accounts: [], domains: [] }),
            responsibilities: z.record(Key, Responsibility).default({}),
            /** Follow-up cadence of the group's cases; wins over their SLA contract's. */
            followUp: FollowUpSchema.optional(),
          })
          .strict(),
      )
      .default([]),
    /** Customer portals (src/portal): path, look, languages and which cases their users see. */
    portals: z.array(PortalConfigSchema).default([]),
    /** Changes (and new cases) held until approvers decide (src/approval), first matching rule wins. */
    approvalRules: z.array(ApprovalRuleSchema).default([]),
    /** Agent nudges, resolution mail, notice attachments (src/config/automation-config.ts). */
    automation: AutomationSettingsSchema.default(DEFAULT_AUTOMATION),
    /** Webhooks out (src/config/webhook-config.ts): subscriptions per event, delivery policy, who hears of a disabled one. */
    webhooks: WebhooksConfigSchema.default({ attempts: 8, backoffSeconds: 30, disableAfter: 5, subscriptions: [] }),
    /** Evaluated in order before the groups' responsibilities; the first that matches decides (src/routing/assignment-rules.ts). */
    assignmentRules: AssignmentRulesSchema.default([]),
    /** Status flows per case type (src/case/status-flow.ts); a type without one follows the built-in table. */
    statusFlows: StatusFlowsSchema.default({}),
    /** Knowledge base (src/kb): which portals show it, publicly or signed-in, and which categories. */
    kb: KbConfigSchema.default({ portals: [], review: { reviewers: [], defaultPortals: [] } }),
    /** Public web-to-case forms at /forms/<key> (src/portal/web-form-config.ts). */
    webForms: z.array(WebFormConfigSchema).default([]),
    /** Custom case fields (src/case/custom-fields.ts): typed, required or not, visible to customers or agents only. */
    caseFields: z.array(CaseFieldSchema).default([]),
    /** The product catalogue; a case may name one product (an inactive one cannot be newly set). */
    products: z.array(ProductSchema).default([]),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    // Cross references: every key used must be declared, and reported at the field that uses it.
    const keys = (items: { key: string }[]) => new Set(items.map((i) => i.key));
    const agents = keys(cfg.agents);
    const teams = keys(cfg.teams);
    const areas = keys(cfg.areas);
    const slas = keys(cfg.slaContracts);
    const accounts = keys(cfg.accounts);
    const directories = keys(cfg.directories);
    const need = (set: Set<string>, value: string | undefined, what: string, path: (string | number)[]) => {
      if (value !== undefined && !set.has(value)) ctx.addIssue({ code: "custom", path, message: `unknown ${what} "${value}"` });
    };
    const unique = (items: { key: string }[], path: string) => {
      const seen = new Set<string>();
      items.forEach((item, i) => {
        if (seen.has(item.key)) ctx.addIssue({ code: "custom", path: [path, i, "key"], message: `duplicate key "${item.key}"` });
        seen.add(item.key);
      });
    };
    unique(cfg.agents, "agents");
    unique(cfg.teams, "teams");
    unique(cfg.areas, "areas");
    unique(cfg.mailboxes, "mailboxes");
    unique(cfg.slaContracts, "slaContracts");
    unique(cfg.accounts, "accounts");
    unique(cfg.customerGroups, "customerGroups");
    unique(cfg.directories, "directories");
    unique(cfg.portals, "portals");
    unique(cfg.approvalRules, "approvalRules");
    for (const issue of catalogueIssues(cfg.caseFields, cfg.products)) ctx.addIssue({ code: "custom", ...issue });
    const groups = keys(cfg.customerGroups);
    const catalogue = { fields: cfg.caseFields, products: cfg.products };
    cfg.approvalRules.forEach((r, i) => {
      r.approvers.agents.forEach((a, j) => need(agents, a, "agent", ["approvalRules", i, "approvers", "agents", j]));
      r.escalateTo.forEach((a, j) => need(agents, a, "agent", ["approvalRules", i, "escalateTo", j]));
      r.when.byAgents?.forEach((a, j) => need(agents, a, "agent", ["approvalRules", i, "when", "byAgents", j]));
      r.when.groups?.forEach((g, j) => need(groups, g, "customer group", ["approvalRules", i, "when", "groups", j]));
    });
    unique(cfg.assignmentRules, "assignmentRules");
    const ruleKinds = { mailbox: keys(cfg.mailboxes), area: areas, team: teams, agent: agents, "customer group": groups };
    cfg.assignmentRules.forEach((rule, i) => {
      for (const ref of ruleReferences(rule)) {
        if (!ruleKinds[ref.kind].has(ref.key)) ctx.addIssue({ code: "custom", path: ["assignmentRules", i, ...ref.path], message: `rule "${rule.key}": unknown ${ref.kind} "${ref.key}"` });
      }
      for (const issue of ruleCatalogueIssues(rule, catalogue)) ctx.addIssue({ code: "custom", path: ["assignmentRules", i, ...issue.path], message: `rule "${rule.key}": ${issue.message}` });
    });
    const paths = new Set<string>();
    cfg.portals.forEach((p, i) => {
      // The web process serves its own routes beside the portals; a portal must not shadow them or another portal.
      const clash = [...paths].find((q) => p.path === q || p.path.startsWith(`${q}/`) || q.startsWith(`${p.path}/`));
      if (clash) ctx.addIssue({ code: "custom", path: ["portals", i, "path"], message: `overlaps portal path ${clash}` });
      if (/^\/(healthz|metrics|forms|satisfaction|files)(\/|$)/.test(p.path)) ctx.addIssue({ code: "custom", path: ["portals", i, "path"], message: `${p.path} is reserved` });
      paths.add(p.path);
      p.selfRegistration?.accounts.forEach((a, j) => need(accounts, a, "account", ["portals", i, "selfRegistration", "accounts", j]));
      p.exposure.rules.forEach((r, j) => {
        for (const issue of exposureRuleCatalogueIssues(r, catalogue))
          ctx.addIssue({ code: "custom", path: ["portals", i, "exposure", "rules", j, ...issue.path], message: `portal "${p.key}", exposure rule ${j + 1}: ${issue.message}` });
      });
    });
    checkKbConfig(cfg.kb, keys(cfg.portals), (path, message) => ctx.addIssue({ code: "custom", path, message }), { agents, teams });
    for (const issue of webFormReferenceIssues(cfg.webForms, { mailboxes: keys(cfg.mailboxes), areas, caseFields: new Map(cfg.caseFields.map((f) => [f.key, f.visibility])) })) ctx.addIssue({ code: "custom", ...issue });
    need(areas, cfg.settings.defaultArea, "area", ["settings", "defaultArea"]);
    cfg.areas.forEach((a, i) => {
      need(agents, a.agent, "agent", ["areas", i, "agent"]);
      need(teams, a.team, "team", ["areas", i, "team"]);
      a.access?.agents.forEach((x, j) => need(agents, x, "agent", ["areas", i, "access", "agents", j]));
      a.access?.teams.forEach((x, j) => need(teams, x, "team", ["areas", i, "access", "teams", j]));
    });
    cfg.mailboxes.forEach((m, i) => need(areas, m.defaultArea, "area", ["mailboxes", i, "defaultArea"]));
    cfg.teams.forEach((t, i) => t.members.forEach((m, j) => need(agents, m, "agent", ["teams", i, "members", j])));
    cfg.teams.forEach((t, i) => need(agents, t.lead, "agent", ["teams", i, "lead"]));
    cfg.contacts.forEach((c, i) => need(accounts, c.account, "account", ["contacts", i, "account"]));
    cfg.contacts.forEach((c, i) => need(directories, c.directory, "directory", ["contacts", i, "directory"]));
    cfg.directories.forEach((d, i) => {
      d.access.agents.forEach((a, j) => need(agents, a, "agent", ["directories", i, "access", "agents", j]));
      d.access.teams.forEach((t, j) => need(teams, t, "team", ["directories", i, "access", "teams", j]));
    });
    const agentEmails = new Set(cfg.agents.flatMap((a) => [a.email, ...a.aliases]));
    cfg.contacts.forEach((c, i) => {
      if (agentEmails.has(c.email))
        ctx.addIssue({ code: "custom", path: ["contacts", i, "email"], message: `${c.email} is an agent's address` });
    });
    cfg.customerGroups.forEach((g, i) => {
      need(slas, g.sla, "SLA contract", ["customerGroups", i, "sla"]);
      g.members.accounts.forEach((a, j) => need(accounts, a, "account", ["customerGroups", i, "members", "accounts", j]));
      for (const [area, r] of Object.entries(g.responsibilities)) {
        need(areas, area, "area", ["customerGroups", i, "responsibilities", area]);
        need(agents, r.agent, "agent", ["customerGroups", i, "responsibilities", area, "agent"]);
        need(teams, r.team, "team", ["customerGroups", i, "responsibilities", area, "team"]);
        need(areas, r.area, "area", ["customerGroups", i, "responsibilities", area, "area"]);
      }
    });
  });

export type HelpdeskConfig = z.infer<typeof ConfigSchema>;

export class HelpdeskConfigError extends Error {
  override name = "HelpdeskConfigError";
  constructor(
    readonly file: string,
    readonly issues: string[],
  ) {
    super(`${file}: invalid configuration\n${issues.map((i) => `  - ${i}`).join("\n")}`);
  }
}

/** Validates an already-parsed document; `file` only labels the error. */
export function parseHelpdeskConfig(doc: unknown, file = "<config>"): HelpdeskConfig {
  const result = ConfigSchema.safeParse(doc);
  if (!result.success) {
    throw new HelpdeskConfigError(
      file,
      result.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`),
    );
  }
  return result.data;
}

export async function loadHelpdeskConfig(file: string): Promise<HelpdeskConfig> {
  const text = await readFile(file, "utf8");
  let doc: unknown;
  try {
    doc = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new HelpdeskConfigError(file, [`not valid ${file.endsWith(".json") ? "JSON" : "YAML"}: ${(err as Error).message}`]);
  }
  return parseHelpdeskConfig(doc, file);
}

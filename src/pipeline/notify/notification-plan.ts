/**
 * Who gets an email about a case event, and what each may see. Pure; the notify service loads the
 * inputs, calls this, renders and writes one outbox row per recipient.
 *
 * Rules:
 * - Nobody is notified of their own post.
 * - Agents: followers (owner, auto-follow agents, explicit) and, for a new case, the members of its team —
 *   each only if they may see the case; what they get follows `postView` (private → arrival only). That
 *   includes the directory rule: an agent who may not see the requester's directory gets nothing about the
 *   case (unless they own it), and nobody but the owner is mailed a post written by a contact whose directory
 *   they may not see. Being a follower or a team member never widens this.
 * - A team with `followsCases` off gets no new-case notice: its cases reach the owner and followers only.
 * - Agents' email preferences (config/agent-preferences.ts) decide last, by why the agent would be mailed: the
 *   owner's new-case notice is "assigned-to-me" (switched off: the owner hears nothing of the new case),
 *   a team member's is "new-case-in-team", anything a follower gets is "followed-case-post". One recipient has
 *   one reason, owner first, then team member, then follower, so an agent who follows every case but turned
 *   off new cases of the team gets no new-case notice of their team's cases (and still gets their posts).
 * - Customers: only contacts with a portal account follow cases, and they only ever get PUBLIC content.
 *   Agents' preferences never filter them.
 *   A contact without a portal account gets no stream notifications: agents reach them by reply email.
 * - An agent's public reply by email is mailed as a REPLY to every contact of the case (portal or not);
 *   those contacts get no second, "update" copy of the same post. A public post an agent writes in Mailcase
 *   itself (CLI, API: source AGENT_DESK) is the same answer by another channel, so it goes out the same way.
 * - The requester of a new case gets one acknowledgement, never in answer to automatic mail, and not when the
 *   agent who opened the case (a phone call) chose not to send one.
 * - Addresses known to bounce are skipped.
 */
import type { OutboundKind, PostSource } from "../../kernel/domain-types.ts";
import { wantsEmail, type NotifyEvent } from "../../config/agent-preferences.ts";
import { canSeeCase, postView, type CaseAccess, type PostAccess, type PostView } from "../../case/access.ts";
import { agentViewer, type PlanAgent, type PlanContact } from "../../case/followers.ts";

export type { PlanAgent, PlanContact };




export interface PlanInput {
  event: "case-opened" | "post-added";
  caseAccess: CaseAccess;
  post: PostAccess & { source: PostSource; authorAgentId: number | null; authorContactId: number | null };
  /** Agent followers of the case. */
  followerAgentIds: readonly number[];
  /** Contact followers of the case. */
  followerContactIds: readonly number[];
  /** Members of the case's team (new-case notice). */
  teamMemberIds: readonly number[];
  /** Team.followsCases of the case's team: whether its members get the new-case notice. Missing: true (the default). */
  teamFollowsCases?: boolean;
  agents: ReadonlyMap<number, PlanAgent>;
  /** Every contact of the case. */
  contacts: ReadonlyMap<number, PlanContact>;
  /** The inbound message was automatic (auto-reply, bounce, list mail): no acknowledgement. */
  automatic: boolean;
  /** An internal case is hidden from the portal: portal followers get no updates of it. */
  caseInternal?: boolean;
  /** Case.acknowledge: whether the requester of a new case gets an acknowledgement. Missing: true (mail always does). */
  acknowledge?: boolean;
}

export type PlannedRecipient =
  | { to: "agent"; agentId: number; kind: OutboundKind; view: Exclude<PostView, "none">; reason: string }
  | { to: "contact"; contactId: number; kind: OutboundKind; view: "full"; reason: string };

/** Why an agent is mailed about a post: the owner of a new case, a member of its team, or a follower. */
type AgentReason = "owner" | "team" | "follower";
const PREFERENCE: Record<AgentReason, NotifyEvent> = { owner: "assigned-to-me", team: "new-case-in-team", follower: "followed-case-post" };

export function planNotifications(input: PlanInput): PlannedRecipient[] {
  const out: PlannedRecipient[] = [];
  const { post, caseAccess } = input;

  // Agents, each with the one reason that decides which preference applies (see the module comment).
  const opened = input.event === "case-opened";
  const teamNotice = opened && input.teamFollowsCases !== false;
  const agentReasons = new Map<number, AgentReason>();
  for (const id of input.followerAgentIds) agentReasons.set(id, "follower");
  if (teamNotice) for (const id of input.teamMemberIds) agentReasons.set(id, "team");
  // The owner is normally a follower too; on a new case the owner's reason is ownership, not following.
  if (opened && caseAccess.ownerId !== null && agentReasons.has(caseAccess.ownerId)) agentReasons.set(caseAccess.ownerId, "owner");
  for (const [agentId, reason] of agentReasons) {
    const agent = input.agents.get(agentId);
    if (!agent || !agent.active || agentId === post.authorAgentId) continue;
    const view = postView(agentViewer(agent), caseAccess, post);
    if (view === "none") continue;
    if (!wantsEmail(agent.preferences, PREFERENCE[reason])) continue;
    out.push({ to: "agent", agentId, kind: opened ? "NEW_CASE" : "UPDATE", view, reason });
  }

  // Customers.
  const replied = new Set<number>();
  const agentAnswer = post.authorAgentId !== null && (post.source === "AGENT_EMAIL" || post.source === "AGENT_DESK");
  if (input.event === "post-added" && agentAnswer && post.visibility === "PUBLIC") {
    for (const contact of input.contacts.values()) {
      if (contact.bouncing || !canSeeCase({ kind: "contact", contactId: contact.id }, caseAccess)) continue;
      replied.add(contact.id);
      out.push({ to: "contact", contactId: contact.id, kind: "REPLY", view: "full", reason: "case contact" });
    }
  }
  if (input.event === "case-opened") {
    const requester = post.authorContactId === null ? undefined : input.contacts.get(post.authorContactId);
    if (requester && !input.automatic && input.acknowledge !== false && !requester.bouncing)
      out.push({ to: "contact", contactId: requester.id, kind: "ACK", view: "full", reason: "requester" });
    return out;
  }
  // Portal users follow only cases the portal shows; agents' answers by email (REPLY, above) still go out.
  const portalFollowers = input.caseInternal ? [] : input.followerContactIds;
  for (const contactId of portalFollowers) {
    const contact = input.contacts.get(contactId);
    if (!contact || !contact.portalUser || contact.bouncing) continue;
    if (contactId === post.authorContactId || replied.has(contactId)) continue;
    // The follower's own choice (portal preferences). An agent's answer by email (REPLY above) is not a
    // notification but the answer itself, so it still reaches them.
    if (contact.notify === "none" || (contact.notify === "agents" && post.authorAgentId === null)) continue;
    if (postView({ kind: "contact", contactId }, caseAccess, post) !== "full") continue;
    out.push({ to: "contact", contactId, kind: "UPDATE", view: "full", reason: "portal follower" });
  }
  return out;
}


/**
 * Loop defence for automatic mail to customers (acknowledgements and stream updates): at most `cap` such
 * mails per address within the window, whatever the other side does. A person never needs more; a
 * misbehaving auto-responder that slips past classification runs into this wall.
 */
export const AUTO_MAIL_CAP = { ACK: { perHour: 3 }, UPDATE: { perHourPerCase: 10 } } as const;

export function withinAutoMailCap(kind: "ACK" | "UPDATE", sentInLastHour: number): boolean {
  return sentInLastHour < (kind === "ACK" ? AUTO_MAIL_CAP.ACK.perHour : AUTO_MAIL_CAP.UPDATE.perHourPerCase);
}

/** The case's page in the customer portal (MAILCASE_PORTAL_URL), the link portal followers' updates carry. */
export function portalCaseUrl(portalUrl: string, caseNumber: number, recipient?: string): string {
  // The recipient's address (not a token: it grants nothing) fills in the sign-in form when they are signed out.
  return `${portalUrl.replace(/\/+$/, "")}/cases/${caseNumber}${recipient ? `?email=${encodeURIComponent(recipient)}` : ""}`;
}

/**
 * Leading-edge coalescing of update mails: how long an update to one recipient waits before its send job runs.
 * The first mail of a burst goes at once (an agent hears of a colleague's note immediately); a mail planned
 * while the recipient got one about the same case less than `windowMs` ago waits the window, and the first of
 * those send jobs takes every update still waiting for the pair (send.service.ts claimUpdates), so the rest
 * of the burst becomes one mail.
 */
export function updateSendDelay(lastMailToRecipientAt: Date | null, now: Date, windowMs: number): number {
  if (lastMailToRecipientAt === null) return 0;
  return now.getTime() - lastMailToRecipientAt.getTime() < windowMs ? windowMs : 0;
}

export interface NoticeFile {
  id: number;
  size: number;
}

/**
 * Which of a post's customer files travel with an agent's notice: each one up to `maxBytes` is attached, a
 * larger one is linked (a signed download link in the text), so a mail client shows the customer's files
 * without bloating every follower's mailbox with a 20 MB scan. `maxBytes` 0 links every file.
 */
export function noticeAttachments<F extends NoticeFile>(files: readonly F[], maxBytes: number): { attach: F[]; link: F[] } {
  return { attach: files.filter((f) => f.size <= maxBytes && maxBytes > 0), link: files.filter((f) => f.size > maxBytes || maxBytes === 0) };
}

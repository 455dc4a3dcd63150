/**
 * Who gets an email about a case event, and what each may see. Pure; the notify service loads the
 * inputs, calls this, renders and writes one outbox row per recipient.
 *
 * Rules:
 * - Nobody is notified of their own post.
 * - Agents: followers (owner, auto-follow agents, explicit) and, for a new case, the members of its team —
 *   each only if they may see the case; what they get follows `postView` (private → arrival only).
 * - Customers: only contacts with a portal account follow cases, and they only ever get PUBLIC content.
 *   A contact without a portal account gets no stream notifications: agents reach them by reply email.
 * - An agent's public reply by email is mailed as a REPLY to every contact of the case (portal or not);
 *   those contacts get no second, "update" copy of the same post.
 * - The requester of a new case gets one acknowledgement, never in answer to automatic mail.
 * - Addresses known to bounce are skipped.
 */
import type { OutboundKind, PostSource } from "../domain/types.ts";
import { canSeeCase, postView, type CaseAccess, type PostAccess, type PostView } from "../stream/visibility.ts";

export interface PlanAgent {
  id: number;
  teamIds: readonly number[];
  active: boolean;
}

export interface PlanContact {
  id: number;
  portalUser: boolean;
  bouncing: boolean;
}

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
  agents: ReadonlyMap<number, PlanAgent>;
  /** Every contact of the case. */
  contacts: ReadonlyMap<number, PlanContact>;
  /** The inbound message was automatic (auto-reply, bounce, list mail): no acknowledgement. */
  automatic: boolean;
}

export type PlannedRecipient =
  | { to: "agent"; agentId: number; kind: OutboundKind; view: Exclude<PostView, "none">; reason: string }
  | { to: "contact"; contactId: number; kind: OutboundKind; view: "full"; reason: string };

export function planNotifications(input: PlanInput): PlannedRecipient[] {
  const out: PlannedRecipient[] = [];
  const { post, caseAccess } = input;

  // Agents.
  const agentReasons = new Map<number, string>();
  for (const id of input.followerAgentIds) agentReasons.set(id, "follower");
  if (input.event === "case-opened") for (const id of input.teamMemberIds) if (!agentReasons.has(id)) agentReasons.set(id, "team");
  for (const [agentId, reason] of agentReasons) {
    const agent = input.agents.get(agentId);
    if (!agent || !agent.active || agentId === post.authorAgentId) continue;
    const view = postView({ kind: "agent", agentId, teamIds: agent.teamIds }, caseAccess, post);
    if (view === "none") continue;
    out.push({ to: "agent", agentId, kind: input.event === "case-opened" ? "NEW_CASE" : "UPDATE", view, reason });
  }

  // Customers.
  const replied = new Set<number>();
  if (input.event === "post-added" && post.source === "AGENT_EMAIL" && post.visibility === "PUBLIC") {
    for (const contact of input.contacts.values()) {
      if (contact.bouncing || !canSeeCase({ kind: "contact", contactId: contact.id }, caseAccess)) continue;
      replied.add(contact.id);
      out.push({ to: "contact", contactId: contact.id, kind: "REPLY", view: "full", reason: "case contact" });
    }
  }
  if (input.event === "case-opened") {
    const requester = post.authorContactId === null ? undefined : input.contacts.get(post.authorContactId);
    if (requester && !input.automatic && !requester.bouncing)
      out.push({ to: "contact", contactId: requester.id, kind: "ACK", view: "full", reason: "requester" });
    return out;
  }
  for (const contactId of input.followerContactIds) {
    const contact = input.contacts.get(contactId);
    if (!contact || !contact.portalUser || contact.bouncing) continue;
    if (contactId === post.authorContactId || replied.has(contactId)) continue;
    if (postView({ kind: "contact", contactId }, caseAccess, post) !== "full") continue;
    out.push({ to: "contact", contactId, kind: "UPDATE", view: "full", reason: "portal follower" });
  }
  return out;
}

/**
 * Followers of a new case: the owner, auto-follow agents who may see it, and the requester when they
 * have a portal account (portal users auto-follow the cases they open).
 */
export function initialFollowers(input: {
  caseAccess: CaseAccess;
  autoFollowAgents: readonly PlanAgent[];
  requester: PlanContact | null;
}): { agentIds: { id: number; reason: string }[]; contactIds: { id: number; reason: string }[] } {
  const agentIds: { id: number; reason: string }[] = [];
  if (input.caseAccess.ownerId !== null) agentIds.push({ id: input.caseAccess.ownerId, reason: "owner" });
  for (const a of input.autoFollowAgents) {
    if (!a.active || agentIds.some((x) => x.id === a.id)) continue;
    if (canSeeCase({ kind: "agent", agentId: a.id, teamIds: a.teamIds }, input.caseAccess)) agentIds.push({ id: a.id, reason: "auto-follow" });
  }
  const contactIds = input.requester?.portalUser ? [{ id: input.requester.id, reason: "portal requester" }] : [];
  return { agentIds, contactIds };
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

/**
 * Who may see what. The single place every path (mail, CLI, API) asks. Pure.
 *
 * Cases, for agents — both rules must hold, except for the owner:
 * - Team rule: the case has no team, or the agent is in its team. (The team limits who sees the communication.)
 * - Directory rule: the agent may see the directory (address book) of the case's REQUESTER. Access to a
 *   directory comes only from DirectoryAccess rows for the agent or for a team the agent is in
 *   (`agentDirectoryIds`). Customer-group membership and routing responsibility never grant it: a group that
 *   routes its cases to a team does not open the requester's address book to that team. A contact without a
 *   directory is in the open directory, which every agent may see.
 *   Why the requester and not every contact: customers CC whom they like, and a CC must not make a case vanish
 *   from the desk that serves the requester. CC contacts are hidden one by one instead (`canSeeCaseContact`:
 *   their addresses are not shown) and what they wrote is neither shown nor mailed (`postView` → "none").
 * - Owner exception: the case's owner always sees the whole case (requester, CC contacts, every post), even
 *   without access to the directories involved. Routing may hand a case to an agent by group responsibility
 *   who has no such access, and somebody has to be able to work it. This grants that one case, never the
 *   directory: the owner sees no other case or contact of it. The CLI flags such an owner in the case view.
 *
 * Posts:
 * - PUBLIC posts: everyone who may see the case, customers included.
 * - INTERNAL posts: agents only. Never customers, whatever path.
 * - PRIVATE posts: the addressee sees the content; other agents see only that one arrived;
 *   customers who are not the addressee see nothing.
 * - A post written by a contact of a directory the agent may not see: nothing (owner excepted).
 *
 * - Area rule: a case in a restricted area (an area configured with `access`) is seen only by agents granted
 *   that area, directly or through a team (`agentAreaIds`). An area without `access` is open to every agent,
 *   as it was before areas carried access. The owner exception above holds here too, for the same reason: a
 *   group or rule that hands a case to an agent must not hand them a case they cannot open.
 *
 * Customers (contacts) see the cases they are on; directories and areas play no part for them.
 */
import type { Visibility } from "../kernel/domain-types.ts";

export interface AgentViewer {
  kind: "agent";
  agentId: number;
  teamIds: readonly number[];
  /** Directories the agent may see (`agentDirectoryIds`). Empty: the open directory only. */
  directoryIds: readonly number[];
  /** Restricted areas granted to the agent (`agentAreaIds`). Missing or empty: open areas only. */
  areaIds?: readonly number[];
}

export interface ContactViewer {
  kind: "contact";
  contactId: number;
}

export type Viewer = AgentViewer | ContactViewer;

export interface CaseAccess {
  ownerId: number | null;
  teamId: number | null;
  contactIds: readonly number[];
  /**
   * Directory of the case's requester; null: the open directory. Optional only so that callers which predate
   * directories still compile; a missing value means the open directory, so every read path (notify, CLI)
   * passes it (`caseAccessOf`).
   */
  requesterDirectoryId?: number | null;
  /**
   * The case's area when that area is restricted; null: an open area. Optional only for callers that build a
   * CaseAccess by hand; every read path goes through `caseAccessOf`, whose input requires the area.
   */
  restrictedAreaId?: number | null;
}

export interface PostAccess {
  visibility: Visibility;
  addresseeAgentId: number | null;
  addresseeContactId: number | null;
  /** Directory of the contact who wrote the post; null: the open directory, or not written by a contact. */
  authorDirectoryId: number | null;
}

export type PostView = "full" | "arrival-only" | "none";

/** One DirectoryAccess row: a directory opened to one agent or to one team. */
export interface DirectoryGrant {
  directoryId: number;
  agentId: number | null;
  teamId: number | null;
}

/** The directories an agent may see: granted to the agent directly or to any team the agent is in. */
export function agentDirectoryIds(agentId: number, teamIds: readonly number[], grants: readonly DirectoryGrant[]): number[] {
  const ids = new Set<number>();
  for (const g of grants) {
    if ((g.agentId !== null && g.agentId === agentId) || (g.teamId !== null && teamIds.includes(g.teamId))) ids.add(g.directoryId);
  }
  return [...ids].sort((a, b) => a - b);
}

/** One AreaAccess row: a restricted area opened to one agent or to one team. */
export interface AreaGrant {
  areaId: number;
  agentId: number | null;
  teamId: number | null;
}

/** The restricted areas an agent is granted: directly or through any team the agent is in. */
export function agentAreaIds(agentId: number, teamIds: readonly number[], grants: readonly AreaGrant[]): number[] {
  const ids = new Set<number>();
  for (const g of grants) {
    if ((g.agentId !== null && g.agentId === agentId) || (g.teamId !== null && teamIds.includes(g.teamId))) ids.add(g.areaId);
  }
  return [...ids].sort((a, b) => a - b);
}

/** Whether the agent may see cases of the area (null: an open area). */
export function mayAccessArea(viewer: AgentViewer, restrictedAreaId: number | null): boolean {
  return restrictedAreaId === null || (viewer.areaIds ?? []).includes(restrictedAreaId);
}

/** Whether the agent may see contacts of this directory (null: the open directory). */
export function mayAccessDirectory(viewer: AgentViewer, directoryId: number | null): boolean {
  return directoryId === null || viewer.directoryIds.includes(directoryId);
}

/**
 * The CaseAccess of a loaded case: owner, team, contacts, the requester's directory and whether its area is
 * restricted. `area` is required so that no read path can forget it (load it with the case or pass the
 * configured area).
 */
export function caseAccessOf(c: {
  ownerId: number | null;
  teamId: number | null;
  contacts: readonly { role: "REQUESTER" | "CC"; contact: { id: number; directoryId: number | null } }[];
  area: { id: number; restricted: boolean };
}): CaseAccess {
  const requester = c.contacts.find((cc) => cc.role === "REQUESTER");
  return {
    ownerId: c.ownerId,
    teamId: c.teamId,
    contactIds: c.contacts.map((cc) => cc.contact.id),
    requesterDirectoryId: requester?.contact.directoryId ?? null,
    restrictedAreaId: c.area.restricted ? c.area.id : null,
  };
}

export function canSeeCase(viewer: Viewer, c: CaseAccess): boolean {
  if (viewer.kind === "contact") return c.contactIds.includes(viewer.contactId);
  if (c.ownerId === viewer.agentId) return true;
  const team = c.teamId === null || viewer.teamIds.includes(c.teamId);
  return team && mayAccessDirectory(viewer, c.requesterDirectoryId ?? null) && mayAccessArea(viewer, c.restrictedAreaId ?? null);
}

/** canSeeCase for an agent, with the rule that decided it (for `mailcase route --explain`). */
export function explainCaseAccess(viewer: AgentViewer, c: CaseAccess): { sees: boolean; why: string } {
  if (c.ownerId === viewer.agentId) return { sees: true, why: "owner" };
  if (c.teamId !== null && !viewer.teamIds.includes(c.teamId)) return { sees: false, why: "not in the case's team" };
  if (!mayAccessDirectory(viewer, c.requesterDirectoryId ?? null)) return { sees: false, why: "no access to the requester's directory" };
  if (!mayAccessArea(viewer, c.restrictedAreaId ?? null)) return { sees: false, why: "not granted the case's area" };
  return { sees: true, why: c.teamId === null ? "case has no team" : "member of the case's team" };
}

/** Whether an agent may see one contact of a case (its address, its name): the case and the contact's directory. */
export function canSeeCaseContact(viewer: AgentViewer, c: CaseAccess, contactDirectoryId: number | null): boolean {
  if (!canSeeCase(viewer, c)) return false;
  return c.ownerId === viewer.agentId || mayAccessDirectory(viewer, contactDirectoryId);
}

export function postView(viewer: Viewer, c: CaseAccess, post: PostAccess): PostView {
  if (!canSeeCase(viewer, c)) return "none";
  if (viewer.kind === "agent" && c.ownerId !== viewer.agentId && !mayAccessDirectory(viewer, post.authorDirectoryId)) return "none";
  switch (post.visibility) {
    case "PUBLIC":
      return "full";
    case "INTERNAL":
      return viewer.kind === "agent" ? "full" : "none";
    case "PRIVATE":
      if (viewer.kind === "agent") return post.addresseeAgentId === viewer.agentId ? "full" : "arrival-only";
      return post.addresseeContactId === viewer.contactId ? "full" : "none";
  }
}

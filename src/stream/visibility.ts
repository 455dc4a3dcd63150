/**
 * Who may see what. The single place every path (mail, CLI, API) asks. Pure.
 *
 * - A case is visible to agents when it has no team, or the agent is in its team, or owns it.
 *   (The team limits who sees the communication.)
 * - PUBLIC posts: everyone who may see the case, customers included.
 * - INTERNAL posts: agents only. Never customers, whatever path.
 * - PRIVATE posts: the addressee sees the content; other agents see only that one arrived;
 *   customers who are not the addressee see nothing.
 */
import type { Visibility } from "../domain/types.ts";

export type Viewer =
  | { kind: "agent"; agentId: number; teamIds: readonly number[] }
  | { kind: "contact"; contactId: number };

export interface CaseAccess {
  ownerId: number | null;
  teamId: number | null;
  contactIds: readonly number[];
}

export interface PostAccess {
  visibility: Visibility;
  addresseeAgentId: number | null;
  addresseeContactId: number | null;
}

export type PostView = "full" | "arrival-only" | "none";

export function canSeeCase(viewer: Viewer, c: CaseAccess): boolean {
  if (viewer.kind === "contact") return c.contactIds.includes(viewer.contactId);
  return c.teamId === null || c.ownerId === viewer.agentId || viewer.teamIds.includes(c.teamId);
}

export function postView(viewer: Viewer, c: CaseAccess, post: PostAccess): PostView {
  if (!canSeeCase(viewer, c)) return "none";
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

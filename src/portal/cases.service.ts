/**
 * What a signed-in portal user reads. Every query here starts from `exposureWhere` (the one scope) and asks
 * for the record inside it, so an out-of-scope case, post or attachment is simply not found: the same 404 as
 * one that does not exist. Never "load, then check".
 *
 * Posts shown: PUBLIC ones, and PRIVATE ones addressed to this contact. Never INTERNAL posts.
 */
import type { Prisma } from "../generated/prisma/client.ts";
import type { Deps } from "../kernel/deps.ts";
import { exposureWhere, type Viewer } from "./exposure.ts";
import type { PortalDef } from "./portal-config.ts";
import type { PortalSessionView } from "./session.ts";

export const PAGE_SIZE = 20;
export type CaseFilter = "open" | "waiting" | "closed" | "all";

const FILTERS: Record<CaseFilter, Prisma.CaseWhereInput> = {
  open: { status: { notIn: ["RESOLVED", "CLOSED"] } },
  waiting: { status: "WAITING_ON_CUSTOMER" },
  closed: { status: { in: ["RESOLVED", "CLOSED"] } },
  all: {},
};

/** The viewer from current data (account, groups, role): never cached in the session. */
export async function loadViewer(deps: Deps, s: PortalSessionView): Promise<Viewer> {
  const domain = s.email.slice(s.email.lastIndexOf("@") + 1);
  const groups = await deps.db.customerGroup.findMany({
    where: {
      OR: [
        { contacts: { some: { contactId: s.contactId } } },
        ...(s.accountId !== null ? [{ accounts: { some: { accountId: s.accountId } } }] : []),
        { domains: { some: { domain } } },
      ],
    },
    select: { id: true },
  });
  return { contactId: s.contactId, accountId: s.accountId, groupIds: groups.map((g) => g.id), role: s.role };
}

/** Posts a portal user may read on a case they may see. */
export function visiblePosts(viewer: Viewer): Prisma.PostWhereInput {
  return { OR: [{ visibility: "PUBLIC" }, { visibility: "PRIVATE", addresseeContactId: viewer.contactId }] };
}

export async function listCases(deps: Deps, portal: PortalDef, viewer: Viewer, q: { filter: CaseFilter; text: string | null; page: number }) {
  const where: Prisma.CaseWhereInput = {
    AND: [
      exposureWhere(portal.exposure, viewer),
      FILTERS[q.filter],
      // Search reads the subject and PUBLIC posts only: a match in an internal note must not reveal the case.
      ...(q.text ? [{ OR: [{ subject: { contains: q.text, mode: "insensitive" as const } }, { posts: { some: { visibility: "PUBLIC" as const, body: { contains: q.text, mode: "insensitive" as const } } } }] }] : []),
    ],
  };
  const [total, rows] = await Promise.all([
    deps.db.case.count({ where }),
    deps.db.case.findMany({
      where,
      orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
      skip: (q.page - 1) * PAGE_SIZE,
      take: PAGE_SIZE,
      select: { number: true, subject: true, status: true, priority: true, updatedAt: true },
    }),
  ]);
  return { total, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)), rows };
}

export async function caseDetail(deps: Deps, portal: PortalDef, viewer: Viewer, number: number) {
  return deps.db.case.findFirst({
    where: { AND: [exposureWhere(portal.exposure, viewer), { number }] },
    select: {
      id: true,
      number: true,
      subject: true,
      status: true,
      priority: true,
      createdAt: true,
      // Shown only through visibleFields(…, "customer") (portal-case-pages.ts): agent-only fields never reach the page.
      customFields: true,
      product: { select: { code: true, name: true } },
      posts: {
        where: visiblePosts(viewer),
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        select: {
          id: true,
          visibility: true,
          body: true,
          createdAt: true,
          authorAgent: { select: { name: true } },
          authorContact: { select: { id: true, name: true, email: true } },
          attachments: { select: { id: true, filename: true, size: true, contentType: true }, orderBy: { id: "asc" } },
        },
      },
    },
  });
}

/** An attachment of a visible post of a visible case, by its own id (never by content hash). */
export async function findAttachment(deps: Deps, portal: PortalDef, viewer: Viewer, attachmentId: number) {
  return deps.db.postAttachment.findFirst({
    where: { id: attachmentId, post: { AND: [visiblePosts(viewer), { case: exposureWhere(portal.exposure, viewer) }] } },
    select: { filename: true, contentType: true, size: true, blob: { select: { data: true } } },
  });
}

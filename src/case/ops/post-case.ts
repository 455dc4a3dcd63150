/**
 * An agent's post written in Mailcase itself (CLI, API): the same effects as an agent's reply by email. A
 * public post is an answer: it moves a new or assigned case on, counts as the first response, and the notify
 * stage mails it to the case's contacts exactly like an emailed answer (a REPLY threaded into the customer's
 * conversation). Internal notes reach agents only; a private post reaches its addressee (an agent, or a
 * contact of the case).
 */
import { createHash } from "node:crypto";
import type { ParsedAttachment } from "../../parsing/parsed-message.ts";
import { safeFilename } from "../../parsing/safe-filename.ts";
import { mayAccessDirectory } from "../access.ts";
import { actorOf, type ActingAgent } from "../acting-agent.ts";
import { changeCase } from "../case-change.ts";
import { recordEvents } from "../case-events.ts";
import { writePost } from "../posts.ts";
import { onAgentPublicReply } from "../status.ts";
import { recomputeSlaDue } from "../../sla/sla.service.ts";
import { inOperation, OpRefused, refused, requireAgent, requireCase, type OpResult, type OpsDeps, type Tx } from "./common.ts";
import { survivorCaseId } from "./merge-case.ts";
import type { PostInput } from "./schemas.ts";
import { caseNo } from "../case-number.ts";

export interface PostedCase {
  caseId: number;
  number: number;
  postId: number;
  changed: string[];
}

/** `files`: uploads already read and checked elsewhere (the API's multipart parts), kept after the base64 ones. */
export async function postOnCase(deps: OpsDeps, agent: ActingAgent, input: PostInput, files: readonly ParsedAttachment[] = []): Promise<OpResult<PostedCase>> {
  const now = deps.clock.now();
  const by = actorOf(agent);
  return inOperation(
    deps,
    async (tx): Promise<OpResult<PostedCase>> => {
      let c = await requireCase(tx, agent, input.case);
      // A merged case's conversation continues on the survivor, whichever way the post comes (as for mail).
      if (c.mergedIntoId !== null) {
        const survivor = await tx.case.findUniqueOrThrow({ where: { id: await survivorCaseId(tx, c.id) }, select: { number: true } });
        c = await requireCase(tx, agent, caseNo(survivor.number));
      }
      const addressee = input.visibility === "PRIVATE" && input.to !== undefined ? await addresseeOf(tx, agent, c, input.to) : {};
      const answers = input.visibility === "PUBLIC";
      const changed: string[] = [];
      if (answers) {
        const effect = onAgentPublicReply(c.status);
        // The first response is the first public agent post, as on the mail path.
        const change = await changeCase(tx, c.id, { ...(effect.action === "set" ? { status: effect.to } : {}), firstRespondedAt: now }, { by, now });
        if (!change.ok) throw new OpRefused(refused(change.reason, "visibility"));
        changed.push(...change.changed);
      }
      const post = await writePost(tx, {
        caseId: c.id,
        visibility: input.visibility,
        source: "AGENT_DESK",
        author: { agentId: agent.agentId },
        ...addressee,
        subject: c.subject,
        body: input.body,
        threadRule: "agent-desk",
        attachments: [...(input.attachments ?? []).map(attachmentOf), ...files],
      });
      // The first response (or an answered customer wait) changes what is due; no audit entry for that alone.
      await recomputeSlaDue(tx, c.id, now, null);
      await recordEvents(tx, c.id, [{ type: "post.added", data: { postId: post.id, by, visibility: input.visibility, rule: "agent-desk" } }]);
      return { ok: true, caseId: c.id, number: caseNo(c.number), postId: post.id, changed };
    },
    async (r) => {
      await deps.effects.sla([r.caseId]);
      await deps.effects.notify([{ postId: r.postId, event: "post-added" }]);
    },
  );
}

/** A validated upload as the attachment of a post (the same shape as a mail's file, so it is stored and mailed alike). */
function attachmentOf(a: NonNullable<PostInput["attachments"]>[number]): ParsedAttachment {
  const content = Buffer.from(a.content, "base64");
  return {
    filename: safeFilename(a.filename),
    originalFilename: a.filename,
    contentType: a.contentType,
    size: content.length,
    contentId: null,
    inline: false,
    sha256: createHash("sha256").update(content).digest("hex"),
    content,
  };
}

/** `to` of a private post: an active agent's key, or the address of a contact of the case the agent may see. */
async function addresseeOf(
  tx: Tx,
  agent: ActingAgent,
  c: { contacts: { contact: { id: number; directoryId: number | null } }[]; ownerId: number | null },
  to: string,
): Promise<{ addresseeAgentId: number } | { addresseeContactId: number }> {
  if (!to.includes("@")) return { addresseeAgentId: (await requireAgent(tx, to, "to")).id };
  const contact = await tx.contact.findUnique({ where: { email: to.toLowerCase() }, select: { id: true, directoryId: true } });
  const onCase = contact && c.contacts.some((cc) => cc.contact.id === contact.id);
  const visible = contact && (c.ownerId === agent.agentId || mayAccessDirectory(agent, contact.directoryId));
  if (!contact || !onCase || !visible) throw new OpRefused(refused(`${to} is not a contact of this case`, "to"));
  return { addresseeContactId: contact.id };
}

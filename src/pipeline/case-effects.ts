/**
 * The pipeline side of the case operations' follow-up jobs (case/ops/common.ts `CaseEffects`): a new post is
 * planned and mailed by the notify stage (deterministic job id per post, so a repeat is a no-op), and a
 * changed case's SLA watch is rescheduled.
 */
import type { CaseEffects, OpsDeps } from "../case/ops/common.ts";
import type { Deps } from "../kernel/deps.ts";
import { enqueueNotify } from "./notify/notify.job.ts";
import { enqueueSend } from "./send/send.job.ts";
import { scheduleSla } from "./sla/sla-watch.service.ts";

export function pipelineEffects(deps: Deps): CaseEffects {
  return {
    notify: (items) => enqueueNotify(deps.queues.notify, items.map((i) => ({ v: 1, postId: i.postId, event: i.event }))),
    sla: async (caseIds, known) => void (await scheduleSla(deps, caseIds, known)),
    send: (ids) => enqueueSend(deps.queues.send, [...ids]),
  };
}

/** What the case operations (CLI, API) need of the runtime. */
export function opsDepsOf(deps: Deps): OpsDeps {
  return { db: deps.db, clock: deps.clock, effects: pipelineEffects(deps), mail: { templates: deps.templates, secret: deps.secret } };
}

import { DelayedError, type Processor } from "bullmq";
import type { Deps } from "../app/deps.ts";
import { parsePayload } from "../queues/common.ts";
import { SlaPayload } from "../queues/sla.queue.ts";
import { processSlaCheck } from "../sla/sla-watch.service.ts";

export const slaProcessor =
  (deps: Deps): Processor =>
  async (job, token) => {
    const p = parsePayload(SlaPayload, job);
    const outcome = await processSlaCheck(deps, p);
    deps.log.info({ jobId: job.id, caseId: p.caseId, metric: p.metric, kind: p.kind, outcome: outcome.kind }, "sla");
    if (outcome.kind === "early") {
      // Ran before its instant (clock skew between hosts, a manual promote): back to delayed, same job, no
      // attempt used; a warning or breach is never recorded ahead of time.
      await job.moveToDelayed(outcome.until.getTime(), token);
      throw new DelayedError();
    }
    return outcome;
  };

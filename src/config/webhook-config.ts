/**
 * `webhooks:` in the helpdesk configuration: who receives which case events, how hard delivery tries, and
 * who hears of a subscription disabled after repeated failure. Applied by key (`applyWebhooks`); a
 * subscription missing from the file stops receiving, its delivery log stays.
 */
import { z } from "zod";
import type { Prisma } from "../generated/prisma/client.ts";
import { WEBHOOK_EVENTS } from "../case/webhook-events.ts";
import { Key } from "../kernel/config-values.ts";


const Subscription = z
  .object({
    key: Key,
    url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
    events: z.array(z.enum(WEBHOOK_EVENTS)).min(1, "name at least one event"),
    /** The signing secret itself: for the lab; outside it use secretEnv. */
    secret: z.string().min(16, "at least 16 characters").optional(),
    /** Name of an environment variable holding the signing secret. */
    secretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name").optional(),
  })
  .strict()
  .refine((s) => (s.secret === undefined) !== (s.secretEnv === undefined), { message: "set exactly one of secret or secretEnv", path: ["secret"] });

export const WebhooksConfigSchema = z
  .object({
    /** Address told when a subscription is disabled after repeated failure. */
    notify: z.string().trim().toLowerCase().pipe(z.email()).optional(),
    /** Tries per delivery (the first included); retries back off exponentially from `backoffSeconds`. */
    attempts: z.number().int().min(1).max(20).default(8),
    backoffSeconds: z.number().int().min(1).max(3600).default(30),
    /** Deliveries failed for good in a row after which a subscription is disabled. */
    disableAfter: z.number().int().min(1).max(1000).default(5),
    subscriptions: z.array(Subscription).default([]),
  })
  .strict()
  .superRefine((w, ctx) => {
    const seen = new Set<string>();
    w.subscriptions.forEach((s, i) => {
      if (seen.has(s.key)) ctx.addIssue({ code: "custom", path: ["subscriptions", i, "key"], message: `duplicate key "${s.key}"` });
      seen.add(s.key);
    });
  });

export type WebhooksConfig = z.infer<typeof WebhooksConfigSchema>;

/** Upserts the file's subscriptions by key and deactivates the others, in the caller's transaction. */
export async function applyWebhooks(tx: Prisma.TransactionClient, w: WebhooksConfig): Promise<void> {
  for (const s of w.subscriptions) {
    // The delivery policy travels on each subscription row, so a delivery job reads one row.
    const data = {
      url: s.url,
      events: [...new Set(s.events)],
      secret: s.secretEnv ? `env:${s.secretEnv}` : s.secret!,
      active: true,
      attempts: w.attempts,
      backoffSeconds: w.backoffSeconds,
      disableAfter: w.disableAfter,
      notifyEmail: w.notify ?? null,
    };
    await tx.webhookSubscription.upsert({ where: { key: s.key }, create: { key: s.key, ...data }, update: data });
  }
  await tx.webhookSubscription.updateMany({ where: { key: { notIn: w.subscriptions.map((s) => s.key) } }, data: { active: false } });
}

import { z } from "zod";

/**
 * Outbound notifications: a cluster's subscriptions (admin API) and the
 * delivery log. URLs and secrets go in once, on creation, and never come back.
 */

export const NOTIFICATION_EVENTS = ["run.finished", "certificate.expiring", "backup.failed"] as const;
export const NotificationEvent = z.enum(NOTIFICATION_EVENTS);
export type NotificationEvent = z.infer<typeof NotificationEvent>;

const Url = z.url("must be an absolute URL").max(2000, "must be at most 2000 characters");

export const SubscriptionTarget = z.discriminatedUnion("kind", [
  /** A Slack incoming webhook (https://hooks.slack.com/services/…). */
  z.strictObject({ kind: z.literal("slack-webhook"), url: Url }),
  /** A Slack channel, posted to with SLACK_BOT_TOKEN. */
  z.strictObject({ kind: z.literal("slack-channel"), channel: z.string().regex(/^[CGD][A-Z0-9]{2,30}$/, "must be a Slack channel id such as C0123ABCD") }),
  /** Any HTTPS endpoint, signed with the Standard Webhooks scheme. */
  z.strictObject({ kind: z.literal("webhook"), url: Url }),
]);
export type SubscriptionTarget = z.infer<typeof SubscriptionTarget>;

export const CreateSubscriptionBody = z.strictObject({
  events: z.array(NotificationEvent).min(1, "give at least one event").max(NOTIFICATION_EVENTS.length),
  target: SubscriptionTarget,
});
export type CreateSubscriptionBody = z.infer<typeof CreateSubscriptionBody>;

export const SubscriptionId = z.string().regex(/^sub_[0-9a-f-]{36}$/, "must be a subscription id (sub_…)");

export const SubscriptionView = z.object({
  id: z.string(),
  cluster: z.string(),
  events: z.array(NotificationEvent),
  /** The kind, and the channel for slack-channel; never a URL. */
  target: z.object({ kind: z.enum(["slack-webhook", "slack-channel", "webhook"]), channel: z.string().nullable() }),
  createdBy: z.string(),
  createdAt: z.number(),
});
export type SubscriptionView = z.infer<typeof SubscriptionView>;

export const CreatedSubscription = z.object({
  subscription: SubscriptionView,
  /** webhook only: the `whsec_` signing secret, shown this once. */
  secret: z.string().optional(),
});
export type CreatedSubscription = z.infer<typeof CreatedSubscription>;

export const SubscriptionList = z.object({ subscriptions: z.array(SubscriptionView) });

export const DeliveriesQuery = z.object({
  cluster: z.string().max(253).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type DeliveriesQuery = z.infer<typeof DeliveriesQuery>;

export const DeliveryView = z.object({
  id: z.string(),
  cluster: z.string(),
  target: z.string(),
  event: z.string(),
  runId: z.string().nullable(),
  status: z.enum(["pending", "delivered", "failed", "skipped"]),
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export const DeliveryList = z.object({ deliveries: z.array(DeliveryView) });

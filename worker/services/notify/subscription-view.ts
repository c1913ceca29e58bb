import type { SubscriptionView } from "../../../schema/notify-api";
import type { notificationSubscriptions } from "../../../schema/tables";

/** A subscription as the API shows it: what and where by kind, never the sealed URL or secret. */
export function subscriptionView(row: typeof notificationSubscriptions.$inferSelect): SubscriptionView {
  return {
    id: row.id,
    cluster: row.cluster,
    events: row.events as SubscriptionView["events"],
    target: { kind: row.kind, channel: row.channel },
    createdBy: row.createdBy,
    createdAt: row.createdAt,
  };
}

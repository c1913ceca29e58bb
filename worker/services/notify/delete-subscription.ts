import { and, eq } from "drizzle-orm";
import { KeelError } from "../../../schema/errors";
import type { SubscriptionView } from "../../../schema/notify-api";
import { notificationSubscriptions } from "../../../schema/tables";
import { appendAuditWith } from "../../core/audit-append";
import { openDb } from "../../core/db";
import { subscriptionView } from "./subscription-view";

/** Removes a subscription; deliveries already queued for it are skipped when their turn comes. */
export async function deleteSubscription(d1: D1Database, input: { cluster: string; id: string; actor: string }): Promise<SubscriptionView> {
  const where = and(eq(notificationSubscriptions.cluster, input.cluster), eq(notificationSubscriptions.id, input.id));
  const row = await openDb(d1).select().from(notificationSubscriptions).where(where).get();
  if (!row) throw new KeelError("not_found", `subscription ${input.id} of cluster ${input.cluster} not found`);
  await appendAuditWith(d1, { actor: input.actor, action: "notification.unsubscribe", cluster: input.cluster, target: input.id, outcome: "ok", details: { kind: row.kind } }, (db) => [
    db.delete(notificationSubscriptions).where(where),
  ]);
  return subscriptionView(row);
}

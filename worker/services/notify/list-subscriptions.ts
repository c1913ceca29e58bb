import { asc, eq } from "drizzle-orm";
import type { SubscriptionView } from "../../../schema/notify-api";
import { notificationSubscriptions } from "../../../schema/tables";
import { openDb } from "../../core/db";
import { requireCluster } from "../slack/cluster-exists";
import { subscriptionView } from "./subscription-view";

export async function listSubscriptions(d1: D1Database, cluster: string): Promise<{ subscriptions: SubscriptionView[] }> {
  await requireCluster(d1, cluster);
  const rows = await openDb(d1).select().from(notificationSubscriptions).where(eq(notificationSubscriptions.cluster, cluster)).orderBy(asc(notificationSubscriptions.createdAt)).all();
  return { subscriptions: rows.map(subscriptionView) };
}

import { eq } from "drizzle-orm";
import { notificationSubscriptions } from "../../schema/tables";
import { openDb } from "../core/db";

/** A cluster's subscriptions, id and events only: the sealed target is opened at delivery, not carried in the queue. */
export async function subscriptionsOf(d1: D1Database, cluster: string): Promise<{ id: string; events: string[] }[]> {
  return openDb(d1).select({ id: notificationSubscriptions.id, events: notificationSubscriptions.events }).from(notificationSubscriptions).where(eq(notificationSubscriptions.cluster, cluster)).all();
}

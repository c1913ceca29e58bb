import { desc, eq } from "drizzle-orm";
import type { DeliveriesQuery } from "../../../schema/notify-api";
import { notificationDeliveries } from "../../../schema/tables";
import { openDb } from "../../core/db";

/** The delivery log, newest first: target ids, statuses and errors; no URL or token is ever in it. */
export async function listDeliveries(d1: D1Database, query: DeliveriesQuery) {
  const rows = await openDb(d1)
    .select()
    .from(notificationDeliveries)
    .where(query.cluster !== undefined ? eq(notificationDeliveries.cluster, query.cluster) : undefined)
    .orderBy(desc(notificationDeliveries.createdAt))
    .limit(query.limit)
    .all();
  return { deliveries: rows };
}

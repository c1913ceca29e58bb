import { eq } from "drizzle-orm";
import { notificationDeliveries } from "../../schema/tables";
import { openDb } from "../core/db";

export type DeliveryStatus = "pending" | "delivered" | "failed" | "skipped";

export interface DeliveryLogEntry {
  id: string;
  cluster: string;
  /** An id ("slack-reply:<run id>", "subscription:<id>"), never a URL or token. */
  target: string;
  event: string;
  runId: string | null;
  createdAt: number;
}

/** Records a delivery as it is queued (one row; each attempt updates it). */
export async function logQueued(d1: D1Database, e: DeliveryLogEntry): Promise<void> {
  await openDb(d1)
    .insert(notificationDeliveries)
    .values({ ...e, status: "pending", attempts: 0, lastStatus: null, lastError: null, updatedAt: e.createdAt })
    .onConflictDoNothing({ target: notificationDeliveries.id });
}

export async function logAttempt(d1: D1Database, id: string, a: { status: DeliveryStatus; attempts: number; lastStatus: number | null; lastError: string | null }): Promise<void> {
  await openDb(d1)
    .update(notificationDeliveries)
    .set({ ...a, lastError: a.lastError?.slice(0, 500) ?? null, updatedAt: Date.now() })
    .where(eq(notificationDeliveries.id, id));
}

import { lt } from "drizzle-orm";
import { webhookDeliveries } from "../../../schema/tables";
import { openDb } from "../../core/db";

/**
 * Senders retry for days (Standard Webhooks' example schedule spans about
 * three; GitHub redelivers by hand), so delivery ids are kept 30 days, then
 * dropped by the cron.
 */
export const KEEP_DELIVERIES_MS = 30 * 86_400_000;

export async function pruneDeliveries(d1: D1Database, now: number): Promise<void> {
  await openDb(d1).delete(webhookDeliveries).where(lt(webhookDeliveries.receivedAt, now - KEEP_DELIVERIES_MS));
}

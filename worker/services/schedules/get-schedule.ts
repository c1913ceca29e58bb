import { eq } from "drizzle-orm";
import { KeelError } from "../../../schema/errors";
import type { ScheduleView } from "../../../schema/schedule-api";
import { clusters, schedules } from "../../../schema/tables";
import { openDb } from "../../core/db";
import { scheduleView } from "./schedule-view";

/** A cluster's schedule and what the cron last did with it (404: no cluster, or no schedule). */
export async function getSchedule(d1: D1Database, cluster: string): Promise<ScheduleView> {
  const db = openDb(d1);
  const row = await db.select().from(schedules).where(eq(schedules.cluster, cluster)).get();
  if (row) return scheduleView(row);
  const exists = await db.select({ name: clusters.name }).from(clusters).where(eq(clusters.name, cluster)).get();
  throw new KeelError("not_found", exists ? `cluster ${cluster} has no schedule` : `cluster ${cluster} not found`);
}

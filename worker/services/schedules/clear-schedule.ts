import { eq } from "drizzle-orm";
import type { ScheduleView } from "../../../schema/schedule-api";
import { schedules } from "../../../schema/tables";
import { appendAuditWith } from "../../core/audit-append";
import { getSchedule } from "./get-schedule";

/** Removes a cluster's schedule (404 if it has none): the cron starts nothing more for it. */
export async function clearSchedule(d1: D1Database, input: { cluster: string; actor: string }): Promise<ScheduleView> {
  const view = await getSchedule(d1, input.cluster);
  await appendAuditWith(d1, { actor: input.actor, action: "schedule.clear", cluster: input.cluster, target: input.cluster, outcome: "ok" }, (tx) => [
    tx.delete(schedules).where(eq(schedules.cluster, input.cluster)),
  ]);
  return view;
}

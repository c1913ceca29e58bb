import { eq } from "drizzle-orm";
import { KeelError } from "../../../schema/errors";
import { ScheduleState, type SchedulePolicy, type ScheduleView } from "../../../schema/schedule-api";
import { clusters, schedules } from "../../../schema/tables";
import { appendAuditWith } from "../../core/audit-append";
import { openDb } from "../../core/db";
import { scheduleView } from "./schedule-view";

/**
 * Sets (creates or replaces) a cluster's schedule. What the cron has done so
 * far (last runs, missed windows) is kept across a change, so changing the
 * backup interval does not owe a backup at once.
 */
export async function setSchedule(d1: D1Database, input: { cluster: string; policy: SchedulePolicy; actor: string }): Promise<ScheduleView> {
  const db = openDb(d1);
  const cluster = await db.select({ name: clusters.name }).from(clusters).where(eq(clusters.name, input.cluster)).get();
  if (!cluster) throw new KeelError("not_found", `cluster ${input.cluster} not found`);
  const now = Date.now();
  const existing = await db.select({ state: schedules.state }).from(schedules).where(eq(schedules.cluster, input.cluster)).get();
  const state = existing ? ScheduleState.parse(existing.state) : ScheduleState.parse({ since: now });
  const row = { cluster: input.cluster, policy: input.policy, state, updatedBy: input.actor, updatedAt: now };
  await appendAuditWith(d1, { actor: input.actor, action: "schedule.set", cluster: input.cluster, target: input.cluster, outcome: "ok", details: { policy: input.policy } }, (tx) => [
    tx.insert(schedules).values(row).onConflictDoUpdate({ target: schedules.cluster, set: { policy: row.policy, updatedBy: row.updatedBy, updatedAt: row.updatedAt } }),
  ]);
  return scheduleView(row);
}

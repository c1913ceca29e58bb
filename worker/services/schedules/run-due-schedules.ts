import { asc, gt } from "drizzle-orm";
import { schedules } from "../../../schema/tables";
import { openDb } from "../../core/db";
import type { Env } from "../../core/env";
import { tickSchedule } from "./tick-schedule";

/** Schedules read per query: each page is a bounded read, whatever the number of clusters. */
const PAGE = 100;

/**
 * The cron trigger's work: every schedule, one cluster at a time. A cluster
 * whose tick fails is logged and left for the next tick; the others go on.
 */
export async function runDueSchedules(env: Env, now: number): Promise<{ ticked: number; failed: number }> {
  const db = openDb(env.DB);
  let ticked = 0;
  let failed = 0;
  let after = "";
  for (;;) {
    const page = await db.select().from(schedules).where(gt(schedules.cluster, after)).orderBy(asc(schedules.cluster)).limit(PAGE).all();
    for (const row of page) {
      try {
        await tickSchedule(env, row, now);
        ticked++;
      } catch (err) {
        failed++;
        console.error(`schedule of ${row.cluster}: tick failed:`, err);
      }
    }
    const last = page.at(-1);
    if (page.length < PAGE || !last) return { ticked, failed };
    after = last.cluster;
  }
}

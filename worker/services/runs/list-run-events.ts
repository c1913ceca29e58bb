import { and, asc, eq, gt } from "drizzle-orm";
import type { RunEventsPage, RunEventsQuery } from "../../../schema/run-api";
import { runEvents, runs } from "../../../schema/tables";
import { openDb } from "../../core/db";
import { KeelError } from "../../../schema/errors";

/** A run's events after `after`, oldest first; poll again with `next`. */
export async function listRunEvents(d1: D1Database, id: string, query: RunEventsQuery): Promise<RunEventsPage> {
  const db = openDb(d1);
  const run = await db.select({ id: runs.id }).from(runs).where(eq(runs.id, id)).get();
  if (!run) throw new KeelError("not_found", `run ${id} not found`);
  const rows = await db
    .select({ id: runEvents.id, at: runEvents.at, level: runEvents.level, type: runEvents.type, phase: runEvents.phase, host: runEvents.host, message: runEvents.message })
    .from(runEvents)
    .where(and(eq(runEvents.runId, id), gt(runEvents.id, query.after)))
    .orderBy(asc(runEvents.id))
    .limit(query.limit)
    .all();
  return { events: rows, next: rows[rows.length - 1]?.id ?? query.after };
}

import { eq } from "drizzle-orm";
import { KeelError } from "../../../schema/errors";
import { SchedulePolicy, ScheduleState, type ScheduledOperation } from "../../../schema/schedule-api";
import { schedules } from "../../../schema/tables";
import { appendAuditWith } from "../../core/audit-append";
import { openDb } from "../../core/db";
import type { Env } from "../../core/env";
import { startRun } from "../runs/start-run";
import { hasExpiringLeaf } from "./expiring-leaf";
import { closedMissedWindow, dueOperations, windowAt } from "./schedule-clock";

/** The actor of every run a schedule starts. */
export const SCHEDULE_ACTOR = "schedule";
const DAY = 86_400_000;
/** missedWindows keeps the newest few: the audit log has them all. */
const KEEP_MISSED = 20;

export type ScheduleRow = typeof schedules.$inferSelect;

/**
 * One cron tick for one cluster's schedule: report a renewal window that
 * closed unserved, then start the most urgent due operation. The cluster's
 * Durable Object is the lock, so a busy cluster refuses (conflict): that is
 * recorded as skipped and retried next tick, never queued behind the run.
 */
export async function tickSchedule(env: Env, row: ScheduleRow, now: number): Promise<void> {
  const policy = SchedulePolicy.safeParse(row.policy);
  if (!policy.success) {
    console.error(`schedule of ${row.cluster} no longer validates; skipping it until it is set again`);
    return;
  }
  const db = openDb(env.DB);
  let state = ScheduleState.parse(row.state);
  let stored = JSON.stringify(state);

  const missed = closedMissedWindow(state, now);
  if (missed) {
    const entry = { start: missed.start, end: missed.end, reason: missed.reason, reportedAt: now };
    state = { ...state, pendingWindow: null, missedWindows: [...state.missedWindows, entry].slice(-KEEP_MISSED) };
    const details = { operation: "certs.renew", windowStart: new Date(missed.start).toISOString(), windowEnd: new Date(missed.end).toISOString(), reason: missed.reason };
    const next = state;
    await appendAuditWith(env.DB, { actor: SCHEDULE_ACTOR, action: "schedule.window_missed", cluster: row.cluster, outcome: "failed", details }, (tx) => [
      tx.update(schedules).set({ state: next }).where(eq(schedules.cluster, row.cluster)),
    ]);
    stored = JSON.stringify(next);
  }

  const renew = policy.data.autoRenew;
  const window = renew ? windowAt(renew.window, now) : null;
  const renewNeeded = renew !== undefined && window !== null && (await hasExpiringLeaf(db, row.cluster, now + renew.withinDays * DAY));
  // Renewed elsewhere (or the certificates moved on) while the window was owed: nothing is owed any more.
  if (window && !renewNeeded && state.pendingWindow?.start === window.start) state = { ...state, pendingWindow: null };

  for (const operation of dueOperations({ policy: policy.data, state, since: state.since, now, renewNeeded })) {
    const outcome = await start(env, row.cluster, operation);
    if (outcome.started) {
      state = { ...state, ...startedState(operation, now, window?.start ?? null), lastRun: { at: now, operation, runId: outcome.runId } };
      break;
    }
    state = { ...state, lastSkipped: { at: now, operation, reason: outcome.reason } };
    if (operation === "certs.renew" && window) state = { ...state, pendingWindow: { start: window.start, end: window.end, reason: outcome.reason } };
    // Busy: every other operation would be refused the same way this tick.
    if (outcome.busy) break;
  }
  if (JSON.stringify(state) !== stored) await db.update(schedules).set({ state }).where(eq(schedules.cluster, row.cluster));
}

function startedState(operation: ScheduledOperation, now: number, windowStart: number | null): Partial<ScheduleState> {
  if (operation === "certs.inventory") return { lastInventoryAt: now };
  if (operation === "backup") return { lastBackupAt: now };
  return { renewedWindow: windowStart, pendingWindow: null };
}

type StartOutcome = { started: true; runId: string } | { started: false; busy: boolean; reason: string };

async function start(env: Env, cluster: string, operation: ScheduledOperation): Promise<StartOutcome> {
  try {
    const run = await startRun(env, { cluster, operation, requestedBy: SCHEDULE_ACTOR });
    return { started: true, runId: run.id };
  } catch (err) {
    if (!(err instanceof KeelError)) throw err;
    const busy = err.code === "conflict";
    return { started: false, busy, reason: busy ? `busy: ${err.message}` : `${err.code}: ${err.message}` };
  }
}

import { WEEKDAYS, minuteOfDay, type RenewWindow, type ScheduledOperation, type SchedulePolicy, type ScheduleState } from "../../../schema/schedule-api";

/**
 * When a schedule's operations are due: pure functions of the policy, what
 * the schedule last did and "now" (the cron's scheduledTime), so tests can
 * set the clock. All times are UTC.
 */
const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
const HOUR = 60 * MINUTE;

const midnight = (t: number) => t - (t % DAY);

/** The latest "HH:MM" at or before `now`. */
export function lastDailyAt(hhmm: string, now: number): number {
  const today = midnight(now) + minuteOfDay(hhmm) * MINUTE;
  return today <= now ? today : today - DAY;
}

export interface WindowSpan {
  start: number;
  end: number;
}

/** The renewal window `now` falls in (start inclusive, end exclusive), or null. */
export function windowAt(window: RenewWindow, now: number): WindowSpan | null {
  const day = WEEKDAYS[new Date(now).getUTCDay()];
  if (!day || !window.days.includes(day)) return null;
  const start = midnight(now) + minuteOfDay(window.start) * MINUTE;
  const end = midnight(now) + minuteOfDay(window.end) * MINUTE;
  return now >= start && now < end ? { start, end } : null;
}

export interface DueInput {
  policy: SchedulePolicy;
  state: ScheduleState;
  /** When the schedule was first set: a daily time that passed before it is not owed. */
  since: number;
  now: number;
  /** A stored leaf certificate ends within autoRenew.withinDays (only asked while a window is open). */
  renewNeeded: boolean;
}

/** The operations due now, most urgent first (a cluster runs one at a time, so a tick starts at most one). */
export function dueOperations(input: DueInput): ScheduledOperation[] {
  const { policy, state, since, now } = input;
  const due: ScheduledOperation[] = [];
  const window = policy.autoRenew ? windowAt(policy.autoRenew.window, now) : null;
  if (window && input.renewNeeded && state.renewedWindow !== window.start) due.push("certs.renew");
  if (policy.certInventory) {
    const at = lastDailyAt(policy.certInventory.dailyAt, now);
    if (at >= since && (state.lastInventoryAt ?? -Infinity) < at) due.push("certs.inventory");
  }
  if (policy.backup && now >= (state.lastBackupAt ?? since) + policy.backup.everyHours * HOUR) due.push("backup");
  return due;
}

/** A window that closed with a renewal still owed in it: to report as missed. */
export function closedMissedWindow(state: ScheduleState, now: number): NonNullable<ScheduleState["pendingWindow"]> | null {
  const pending = state.pendingWindow;
  if (!pending || now < pending.end || state.renewedWindow === pending.start) return null;
  return pending;
}

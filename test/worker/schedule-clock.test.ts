import { describe, expect, it } from "vitest";
import { ScheduleState, type SchedulePolicy } from "../../schema/schedule-api";
import { closedMissedWindow, dueOperations, lastDailyAt, windowAt } from "../../worker/services/schedules/schedule-clock";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TUE = Date.UTC(2026, 11, 1);
const SUN = TUE - 2 * DAY;
const fresh = ScheduleState.parse({ since: 0 });

describe("schedule clock", () => {
  it("finds the latest daily time at or before now", () => {
    expect(lastDailyAt("03:00", TUE + 3 * HOUR)).toBe(TUE + 3 * HOUR);
    expect(lastDailyAt("03:00", TUE + 3 * HOUR - 1)).toBe(TUE - DAY + 3 * HOUR);
  });

  it("opens a window on its days only, start inclusive, end exclusive, 24:00 meaning midnight", () => {
    const late = { days: ["sun" as const], start: "22:00", end: "24:00" };
    expect(windowAt(late, SUN + 22 * HOUR)).toEqual({ start: SUN + 22 * HOUR, end: SUN + DAY });
    expect(windowAt(late, SUN + DAY - 1)).not.toBeNull();
    expect(windowAt(late, SUN + DAY)).toBeNull();
    expect(windowAt(late, SUN + 21 * HOUR + 59 * MINUTE)).toBeNull();
    expect(windowAt(late, TUE + 23 * HOUR)).toBeNull();
  });

  it("puts a renewal first, then the inventory, then the backup", () => {
    const policy: SchedulePolicy = { certInventory: { dailyAt: "02:00" }, autoRenew: { withinDays: 30, window: { days: ["tue"], start: "02:00", end: "04:00" } }, backup: { everyHours: 1 } };
    const now = TUE + 2 * HOUR + 30 * MINUTE;
    expect(dueOperations({ policy, state: fresh, since: 0, now, renewNeeded: true })).toEqual(["certs.renew", "certs.inventory", "backup"]);
    expect(dueOperations({ policy, state: fresh, since: 0, now, renewNeeded: false })).toEqual(["certs.inventory", "backup"]);
    const done = { ...fresh, renewedWindow: TUE + 2 * HOUR, lastInventoryAt: TUE + 2 * HOUR, lastBackupAt: now - 30 * MINUTE };
    expect(dueOperations({ policy, state: done, since: 0, now, renewNeeded: true })).toEqual([]);
  });

  it("reports a pending window once it has closed, unless a renewal started in it", () => {
    const pending = { ...fresh, pendingWindow: { start: TUE + 2 * HOUR, end: TUE + 4 * HOUR, reason: "busy" } };
    expect(closedMissedWindow(pending, TUE + 4 * HOUR - 1)).toBeNull();
    expect(closedMissedWindow(pending, TUE + 4 * HOUR)).toEqual(pending.pendingWindow);
    expect(closedMissedWindow({ ...pending, renewedWindow: TUE + 2 * HOUR }, TUE + 5 * HOUR)).toBeNull();
  });
});

import { z } from "zod";

/** "HH:MM", UTC. */
const HourMinute = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be "HH:MM" in UTC (00:00 to 23:59)');
/** A window's end may be the end of the day. */
const WindowEnd = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be "HH:MM" in UTC (00:01 to 24:00)');

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export const Weekday = z.enum(WEEKDAYS);
export type Weekday = z.infer<typeof Weekday>;

/** Minutes since midnight of an "HH:MM" (24:00 is 1440). */
export function minuteOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

export const RenewWindow = z
  .object({
    days: z.array(Weekday).min(1, "name at least one day (mon … sun)").max(7),
    start: HourMinute,
    end: WindowEnd,
  })
  .strict()
  .refine((w) => minuteOfDay(w.end) > minuteOfDay(w.start), { path: ["end"], message: "must be after start (a window ends on the day it starts; use 24:00 for midnight)" });
export type RenewWindow = z.infer<typeof RenewWindow>;

/** A cluster's schedule (PUT /v1/clusters/:name/schedule). Times are UTC. */
export const SchedulePolicy = z
  .object({
    /** A certs.inventory run every day at this time. */
    certInventory: z.object({ dailyAt: HourMinute }).strict().optional(),
    /** A certs.renew run inside the window when a stored leaf certificate ends within `withinDays`. */
    autoRenew: z
      .object({
        withinDays: z.number().int().min(1, "must be at least 1").max(365, "must be at most 365").default(30),
        window: RenewWindow,
      })
      .strict()
      .optional(),
    /** A backup run every N hours (the relay's `backups.keep` decides how many are kept). */
    backup: z.object({ everyHours: z.number().int().min(1, "must be at least 1").max(8784, "must be at most 8784 (a year)") }).strict().optional(),
  })
  .strict()
  .refine((p) => p.certInventory || p.autoRenew || p.backup, { message: "set at least one of certInventory, autoRenew, backup (DELETE the schedule to clear it)" });
export type SchedulePolicy = z.infer<typeof SchedulePolicy>;

export const ScheduledOperation = z.enum(["certs.inventory", "certs.renew", "backup"]);
export type ScheduledOperation = z.infer<typeof ScheduledOperation>;

export const ScheduleRunNote = z.object({ at: z.number().int(), operation: ScheduledOperation, runId: z.string() });
export const ScheduleSkipNote = z.object({ at: z.number().int(), operation: ScheduledOperation, reason: z.string() });
/** A renewal window that closed while a renewal was due and none started in it. */
export const MissedWindow = z.object({ start: z.number().int(), end: z.number().int(), reason: z.string(), reportedAt: z.number().int() });
export type MissedWindow = z.infer<typeof MissedWindow>;

/** What the cron has done with a schedule: stored beside the policy, rewritten by each tick that acts. */
export const ScheduleState = z.object({
  /** When the schedule was first set (kept by later PUTs): a daily time before it is not owed. */
  since: z.number().int().default(0),
  /** When the schedule last started each operation (null: never). */
  lastInventoryAt: z.number().int().nullable().default(null),
  lastBackupAt: z.number().int().nullable().default(null),
  /** The start of the renewal window a renewal last started in: one renewal per window. */
  renewedWindow: z.number().int().nullable().default(null),
  /** A window in which a renewal was due but could not start yet: reported as missed once it closes. */
  pendingWindow: z.object({ start: z.number().int(), end: z.number().int(), reason: z.string() }).nullable().default(null),
  lastRun: ScheduleRunNote.nullable().default(null),
  lastSkipped: ScheduleSkipNote.nullable().default(null),
  /** The most recent missed windows, newest last (bounded). */
  missedWindows: z.array(MissedWindow).default([]),
});
export type ScheduleState = z.infer<typeof ScheduleState>;

export const ScheduleView = z.object({
  cluster: z.string(),
  policy: SchedulePolicy,
  status: z.object({
    lastRun: ScheduleRunNote.nullable(),
    lastSkipped: ScheduleSkipNote.nullable(),
    missedWindows: z.array(MissedWindow),
  }),
  updatedBy: z.string(),
  updatedAt: z.number().int(),
});
export type ScheduleView = z.infer<typeof ScheduleView>;

export const ScheduleResponse = z.object({ schedule: ScheduleView });

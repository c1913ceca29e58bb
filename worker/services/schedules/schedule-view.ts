import { SchedulePolicy, ScheduleState, type ScheduleView } from "../../../schema/schedule-api";
import type { ScheduleRow } from "./tick-schedule";

export function scheduleView(row: ScheduleRow): ScheduleView {
  const state = ScheduleState.parse(row.state);
  return {
    cluster: row.cluster,
    policy: SchedulePolicy.parse(row.policy),
    status: { lastRun: state.lastRun, lastSkipped: state.lastSkipped, missedWindows: state.missedWindows },
    updatedBy: row.updatedBy,
    updatedAt: row.updatedAt,
  };
}

import { Hono } from "hono";
import { ClusterName } from "../../schema/api";
import { SchedulePolicy } from "../../schema/schedule-api";
import { requireRole } from "../auth/require-role";
import type { AppEnv } from "../http/app-env";
import { auditFailures } from "../http/audit-failures";
import { readJsonBody } from "../http/read-body";
import { validate } from "../http/validate";
import { clearSchedule } from "../services/schedules/clear-schedule";
import { getSchedule } from "../services/schedules/get-schedule";
import { setSchedule } from "../services/schedules/set-schedule";

/** A cluster's schedule: read it with what the cron last did (viewer), set or clear it (admin). */
export const scheduleRoutes = new Hono<AppEnv>()
  .get("/clusters/:name/schedule", requireRole("viewer"), async (c) => {
    const cluster = validate(ClusterName, c.req.param("name"), "cluster name");
    return c.json({ schedule: await getSchedule(c.env.DB, cluster) });
  })
  .put("/clusters/:name/schedule", requireRole("admin", "schedule.set"), auditFailures("schedule.set"), async (c) => {
    const cluster = validate(ClusterName, c.req.param("name"), "cluster name");
    const policy = await readJsonBody(c.req.raw, SchedulePolicy);
    return c.json({ schedule: await setSchedule(c.env.DB, { cluster, policy, actor: c.get("actor").id }) });
  })
  .delete("/clusters/:name/schedule", requireRole("admin", "schedule.clear"), auditFailures("schedule.clear"), async (c) => {
    const cluster = validate(ClusterName, c.req.param("name"), "cluster name");
    return c.json({ schedule: await clearSchedule(c.env.DB, { cluster, actor: c.get("actor").id }) });
  });

import { ClusterName } from "../../../schema/api";
import { ScheduleResponse, SchedulePolicy } from "../../../schema/schedule-api";
import { json, type RouteGroup } from "./route-doc";

/** worker/routes/schedules.ts. */
export const scheduleRouteDocs: RouteGroup = {
  tag: "schedules",
  description: "A cluster's schedule (daily certificate inventory, renewal inside a maintenance window, backups) and what the cron last did.",
  routes: [
    { method: "GET", path: "/v1/clusters/:name/schedule", access: "viewer", summary: "The cluster's schedule and its status", params: { name: ClusterName }, responses: { 200: json(ScheduleResponse, "the schedule") }, errors: ["not_found"] },
    {
      method: "PUT",
      path: "/v1/clusters/:name/schedule",
      access: "admin",
      summary: "Set the cluster's schedule",
      params: { name: ClusterName },
      body: { json: SchedulePolicy },
      responses: { 200: json(ScheduleResponse, "the schedule as stored") },
      errors: ["not_found"],
    },
    { method: "DELETE", path: "/v1/clusters/:name/schedule", access: "admin", summary: "Clear the cluster's schedule", params: { name: ClusterName }, responses: { 200: json(ScheduleResponse, "the schedule, now empty") }, errors: ["not_found"] },
  ],
};

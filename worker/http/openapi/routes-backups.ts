import { ClusterName } from "../../../schema/api";
import { BackupList, RestoreBody, RestoreDryRunResponse } from "../../../schema/backup-api";
import { StartRunResponse } from "../../../schema/run-api";
import { json, type RouteGroup } from "./route-doc";

/** worker/routes/backups.ts. */
export const backupRouteDocs: RouteGroup = {
  tag: "backups",
  description: "Backups (kept on the relay) and restores.",
  routes: [
    {
      method: "POST",
      path: "/v1/clusters/:name/backups",
      access: "operator",
      summary: "Start a backup run",
      params: { name: ClusterName },
      responses: { 202: json(StartRunResponse, "the run, queued") },
      errors: ["not_found", "conflict", "invalid_spec"],
    },
    {
      method: "GET",
      path: "/v1/clusters/:name/backups",
      access: "viewer",
      summary: "List a cluster's backups",
      params: { name: ClusterName },
      responses: { 200: json(BackupList, "the backups, newest first") },
      errors: ["not_found"],
    },
    {
      method: "POST",
      path: "/v1/clusters/:name/restore",
      access: "admin",
      summary: "Restore a backup onto the cluster (or plan it: dryRun)",
      params: { name: ClusterName },
      body: { json: RestoreBody },
      responses: { 200: json(RestoreDryRunResponse, "dryRun: the plan"), 202: json(StartRunResponse, "the run, queued") },
      errors: ["not_found", "conflict", "invalid_spec", "plan_refused"],
    },
  ],
};

import { Hono } from "hono";
import { ClusterName } from "../../schema/api";
import { RestoreBody } from "../../schema/backup-api";
import { requireRole } from "../auth/require-role";
import type { AppEnv } from "../http/app-env";
import { auditFailures } from "../http/audit-failures";
import { readJsonBody } from "../http/read-body";
import { validate } from "../http/validate";
import { createBackup } from "../services/backups/create-backup";
import { listBackups } from "../services/backups/list-backups";
import { restoreBackup } from "../services/backups/restore-backup";

/** Take a backup, list a cluster's backups, restore one. */
export const backupRoutes = new Hono<AppEnv>()
  .post("/clusters/:name/backups", requireRole("operator", "cluster.backup"), auditFailures("cluster.backup"), async (c) => {
    const cluster = validate(ClusterName, c.req.param("name"), "cluster name");
    const run = await createBackup(c.env, { cluster, actor: c.get("actor").id });
    return c.json({ run }, 202);
  })
  .get("/clusters/:name/backups", requireRole("viewer"), async (c) => {
    const cluster = validate(ClusterName, c.req.param("name"), "cluster name");
    return c.json({ backups: await listBackups(c.env.DB, cluster) });
  })
  .post("/clusters/:name/restore", requireRole("admin", "cluster.restore"), auditFailures("cluster.restore"), async (c) => {
    const cluster = validate(ClusterName, c.req.param("name"), "cluster name");
    const body = await readJsonBody(c.req.raw, RestoreBody);
    const result = await restoreBackup(c.env, { cluster, actor: c.get("actor").id, backup: body.backup, reset: body.reset, dryRun: body.dryRun, timeout: body.timeout });
    return c.json(result, "run" in result ? 202 : 200);
  });

import { Hono } from "hono";
import { ClusterName } from "../../schema/api";
import { ApplyQuery, ResetQuery } from "../../schema/run-api";
import { requireRole } from "../auth/require-role";
import type { AppEnv } from "../http/app-env";
import { auditFailures } from "../http/audit-failures";
import { validate } from "../http/validate";
import { CreateKubeconfigBody } from "../../schema/user-kubeconfig";
import { readJsonBody } from "../http/read-body";
import { getAdminKubeconfig } from "../services/kubeconfig/admin-kubeconfig";
import { createUserKubeconfig } from "../services/kubeconfig/create-user-kubeconfig";
import { dryRunApply } from "../services/runs/dry-run-apply";
import { resetCluster } from "../services/runs/reset-cluster";
import { startRun } from "../services/runs/start-run";

/** Apply a cluster (or plan it: ?dryRun=true), reset it, and fetch its admin kubeconfig or mint a user's. */
export const applyRoutes = new Hono<AppEnv>()
  .post("/clusters/:name/apply", requireRole("operator", "cluster.apply"), auditFailures("cluster.apply"), async (c) => {
    const cluster = validate(ClusterName, c.req.param("name"), "cluster name");
    const query = validate(ApplyQuery, c.req.query(), "query");
    const actor = c.get("actor").id;
    const waitTimeoutMs = query.timeout !== undefined ? query.timeout * 1000 : undefined;
    if (query.dryRun) return c.json(await dryRunApply(c.env, { cluster, actor, waitTimeoutMs }));
    const run = await startRun(c.env, { cluster, operation: "apply", requestedBy: actor, waitTimeoutMs });
    return c.json({ run }, 202);
  })
  .post("/clusters/:name/reset", requireRole("admin", "cluster.reset"), auditFailures("cluster.reset"), async (c) => {
    const cluster = validate(ClusterName, c.req.param("name"), "cluster name");
    const query = validate(ResetQuery, c.req.query(), "query");
    const result = await resetCluster(c.env, { cluster, actor: c.get("actor").id, confirm: query.confirm, dryRun: query.dryRun });
    return c.json(result, "run" in result ? 202 : 200);
  })
  .get("/clusters/:name/kubeconfig", requireRole("admin", "cluster.kubeconfig"), auditFailures("cluster.kubeconfig"), async (c) => {
    const cluster = validate(ClusterName, c.req.param("name"), "cluster name");
    const kubeconfig = await getAdminKubeconfig(c.env, { cluster, actor: c.get("actor").id });
    return c.body(kubeconfig, 200, { "Content-Type": "application/yaml; charset=utf-8", "Cache-Control": "no-store" });
  })
  .post("/clusters/:name/kubeconfigs", requireRole("admin", "cluster.kubeconfig.create"), auditFailures("cluster.kubeconfig.create"), async (c) => {
    const cluster = validate(ClusterName, c.req.param("name"), "cluster name");
    const body = await readJsonBody(c.req.raw, CreateKubeconfigBody);
    const created = await createUserKubeconfig(c.env, { cluster, actor: c.get("actor").id, body });
    return c.json(created, 201, { "Cache-Control": "no-store" });
  });

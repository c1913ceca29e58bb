import { Hono } from "hono";
import { ClusterListQuery, ClusterParams, RevisionListQuery } from "../../schema/api";
import { requireRole } from "../auth/require-role";
import type { AppEnv } from "../http/app-env";
import { auditFailures } from "../http/audit-failures";
import { readClusterBody } from "../http/cluster-body";
import { validate } from "../http/validate";
import { createCluster } from "../services/clusters/create";
import { deleteCluster } from "../services/clusters/delete";
import { getCluster } from "../services/clusters/get";
import { listClusters } from "../services/clusters/list";
import { listRevisions } from "../services/clusters/list-revisions";
import { updateCluster } from "../services/clusters/update";

const DEFAULT_SITE = "default";

export const clusterRoutes = new Hono<AppEnv>()
  .post("/clusters", requireRole("operator", "cluster.create"), auditFailures("cluster.create"), async (c) => {
    const body = await readClusterBody(c.req.raw, c.req.query());
    const cluster = await createCluster(c.env.DB, { site: body.site ?? DEFAULT_SITE, spec: body.spec, actor: c.get("actor").id });
    return c.json({ cluster }, 201);
  })
  .get("/clusters", requireRole("viewer"), async (c) => {
    const query = validate(ClusterListQuery, c.req.query(), "query");
    return c.json(await listClusters(c.env.DB, query));
  })
  .get("/clusters/:name", requireRole("viewer"), async (c) => {
    const { name } = validate(ClusterParams, c.req.param(), "path");
    return c.json({ cluster: await getCluster(c.env.DB, name, { redact: c.get("actor").role === "viewer" }) });
  })
  .put("/clusters/:name", requireRole("operator", "cluster.update"), auditFailures("cluster.update"), async (c) => {
    const { name } = validate(ClusterParams, c.req.param(), "path");
    const body = await readClusterBody(c.req.raw, c.req.query());
    return c.json(await updateCluster(c.env.DB, { name, site: body.site, spec: body.spec, actor: c.get("actor").id }));
  })
  .get("/clusters/:name/revisions", requireRole("viewer"), async (c) => {
    const { name } = validate(ClusterParams, c.req.param(), "path");
    const query = validate(RevisionListQuery, c.req.query(), "query");
    return c.json(await listRevisions(c.env.DB, { name, query, redact: c.get("actor").role === "viewer" }));
  })
  .delete("/clusters/:name", requireRole("admin", "cluster.delete"), auditFailures("cluster.delete"), async (c) => {
    const { name } = validate(ClusterParams, c.req.param(), "path");
    await deleteCluster(c.env, { name, actor: c.get("actor").id });
    return c.json({ deleted: name });
  });

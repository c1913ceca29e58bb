import { Hono } from "hono";
import { ClusterName } from "../../schema/api";
import { CertificatesQuery, RenewQuery } from "../../schema/certs-api";
import { requireRole } from "../auth/require-role";
import type { AppEnv } from "../http/app-env";
import { auditFailures } from "../http/audit-failures";
import { validate } from "../http/validate";
import { listCertificates } from "../services/certs/list-certificates";
import { startRun } from "../services/runs/start-run";

/** Certificates: start an inventory or a renewal run, list what the inventories found. */
export const certRoutes = new Hono<AppEnv>()
  .post("/clusters/:name/certificates/inventory", requireRole("operator", "certs.inventory"), auditFailures("certs.inventory"), async (c) => {
    const cluster = validate(ClusterName, c.req.param("name"), "cluster name");
    const run = await startRun(c.env, { cluster, operation: "certs.inventory", requestedBy: c.get("actor").id });
    return c.json({ run }, 202);
  })
  .post("/clusters/:name/certificates/renew", requireRole("operator", "certs.renew"), auditFailures("certs.renew"), async (c) => {
    const cluster = validate(ClusterName, c.req.param("name"), "cluster name");
    const query = validate(RenewQuery, c.req.query(), "query");
    const run = await startRun(c.env, { cluster, operation: "certs.renew", requestedBy: c.get("actor").id, ...(query.workers ? { workers: true } : {}) });
    return c.json({ run }, 202);
  })
  .get("/clusters/:name/certificates", requireRole("viewer"), async (c) => {
    const cluster = validate(ClusterName, c.req.param("name"), "cluster name");
    const query = validate(CertificatesQuery, c.req.query(), "query");
    return c.json(await listCertificates(c.env.DB, cluster, query, Date.now()));
  });

import { Hono } from "hono";
import { AuditQuery } from "../../schema/api";
import { requireRole } from "../auth/require-role";
import type { AppEnv } from "../http/app-env";
import { validate } from "../http/validate";
import { listAudit } from "../services/audit/list";
import { verifyAudit } from "../services/audit/verify";

export const auditRoutes = new Hono<AppEnv>()
  .get("/audit", requireRole("viewer"), async (c) => {
    const query = validate(AuditQuery, c.req.query(), "query");
    return c.json(await listAudit(c.env.DB, query));
  })
  .get("/audit/verify", requireRole("admin"), async (c) => c.json(await verifyAudit(c.env.DB)));

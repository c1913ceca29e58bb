import { Hono } from "hono";
import { AuditQuery, DeniedRequestsQuery } from "../../schema/api";
import { requireRole } from "../auth/require-role";
import type { AppEnv } from "../http/app-env";
import { validate } from "../http/validate";
import { listAudit } from "../services/audit/list";
import { listDenied } from "../services/audit/list-denied";
import { verifyAudit } from "../services/audit/verify";

export const auditRoutes = new Hono<AppEnv>()
  .get("/audit", requireRole("viewer"), async (c) => {
    const query = validate(AuditQuery, c.req.query(), "query");
    return c.json(await listAudit(c.env.DB, query));
  })
  .get("/audit/verify", requireRole("admin"), async (c) => c.json(await verifyAudit(c.env.DB)))
  // Admin only: the samples carry client addresses.
  .get("/audit/denied", requireRole("admin"), async (c) => c.json(await listDenied(c.env.DB, validate(DeniedRequestsQuery, c.req.query(), "query"))));

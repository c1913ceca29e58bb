import { Hono } from "hono";
import { DeniedRequestsQuery } from "../../schema/api";
import { AuditCheckpointQuery, AuditQuery } from "../../schema/audit-api";
import { requireRole } from "../auth/require-role";
import type { AppEnv } from "../http/app-env";
import { validate } from "../http/validate";
import { checkpointPublicKey, signCheckpoint } from "../services/audit/checkpoint";
import { exportAudit } from "../services/audit/export";
import { listAudit } from "../services/audit/list";
import { listDenied } from "../services/audit/list-denied";
import { verifyAudit } from "../services/audit/verify";

const EXPORT_TYPES = { ndjson: "application/x-ndjson; charset=utf-8", csv: "text/csv; charset=utf-8" } as const;

export const auditRoutes = new Hono<AppEnv>()
  .get("/audit", requireRole("viewer"), async (c) => {
    const { format, ...query } = validate(AuditQuery, c.req.query(), "query");
    if (format === "json") return c.json(await listAudit(c.env.DB, query));
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    return c.body(await exportAudit(c.env.DB, query, format), 200, {
      "Content-Type": EXPORT_TYPES[format],
      "Content-Disposition": `attachment; filename="keel-audit-${stamp}.${format}"`,
      "Cache-Control": "no-store",
    });
  })
  .get("/audit/checkpoint", requireRole("viewer"), async (c) => {
    const { seq } = validate(AuditCheckpointQuery, c.req.query(), "query");
    return c.json(await signCheckpoint(c.env.DB, c.env.AUDIT_SIGNING_KEY, seq));
  })
  .get("/audit/public-key", requireRole("viewer"), async (c) => c.json(await checkpointPublicKey(c.env.AUDIT_SIGNING_KEY)))
  .get("/audit/verify", requireRole("admin"), async (c) => c.json(await verifyAudit(c.env.DB)))
  // Admin only: the samples carry client addresses.
  .get("/audit/denied", requireRole("admin"), async (c) => c.json(await listDenied(c.env.DB, validate(DeniedRequestsQuery, c.req.query(), "query"))));

import { AuditPage, AuditQuery, AuditVerifyResult, DeniedRequestsPage, DeniedRequestsQuery } from "../../../schema/api";
import { json, type RouteGroup } from "./route-doc";

/** worker/routes/audit.ts. */
export const auditRouteDocs: RouteGroup = {
  tag: "audit",
  description: "The hash-chained audit log.",
  routes: [
    { method: "GET", path: "/v1/audit", access: "viewer", summary: "Audit entries, newest first", query: AuditQuery, responses: { 200: json(AuditPage, "one page") } },
    { method: "GET", path: "/v1/audit/verify", access: "admin", summary: "Check the whole hash chain", responses: { 200: json(AuditVerifyResult, "intact, or where it breaks") } },
    {
      method: "GET",
      path: "/v1/audit/denied",
      access: "admin",
      summary: "Requests refused for want of a valid credential, counted per minute, route and reason",
      query: DeniedRequestsQuery,
      responses: { 200: json(DeniedRequestsPage, "one page") },
    },
  ],
};

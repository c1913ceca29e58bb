import { AuditVerifyResult, DeniedRequestsPage, DeniedRequestsQuery } from "../../../schema/api";
import { AuditCheckpoint, AuditCheckpointQuery, AuditPage, AuditPublicKey, AuditQuery } from "../../../schema/audit-api";
import { json, type RouteGroup } from "./route-doc";

/** worker/routes/audit.ts. */
export const auditRouteDocs: RouteGroup = {
  tag: "audit",
  description: "The hash-chained audit log: lookup, export, signed checkpoints.",
  routes: [
    {
      method: "GET",
      path: "/v1/audit",
      access: "viewer",
      summary: "Audit entries, newest first, filtered; or an export (?format=ndjson|csv, oldest first)",
      query: AuditQuery,
      responses: {
        200: {
          description: "one page (format=json), or the whole filtered history streamed as NDJSON or CSV",
          content: { "application/json": AuditPage, "application/x-ndjson": "text", "text/csv": "text" },
        },
      },
    },
    {
      method: "GET",
      path: "/v1/audit/checkpoint",
      access: "viewer",
      summary: "The chain's head (or ?seq=), signed with the API's Ed25519 key",
      query: AuditCheckpointQuery,
      responses: { 200: json(AuditCheckpoint, "a signed checkpoint") },
      errors: ["not_found", "not_configured"],
    },
    { method: "GET", path: "/v1/audit/public-key", access: "viewer", summary: "The key checkpoints are signed with", responses: { 200: json(AuditPublicKey, "the Ed25519 public key") }, errors: ["not_configured"] },
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

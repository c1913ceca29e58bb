import type { Role } from "../../schema/api";
import { seedYaml } from "./fixtures";
import { jsonBody, uniqueName, yamlBody, type CallOptions } from "./helpers";

/** A route as the auth matrix sees it: who may call it, and a valid body to call it with. */
export interface RouteCase {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** The path to call (concrete). */
  path: string;
  /** The route as registered in the app (with :params), to check the table covers every route. */
  route: string;
  role: Role;
  body?: () => Pick<CallOptions, "body" | "contentType">;
}

/** A well-formed token id that names no token. */
const ABSENT_TOKEN_ID = "00000000-0000-4000-8000-000000000000";

/** A cluster the matrix file creates up front, so PUT and GET reach the handler. */
export const MATRIX_CLUSTER = "matrix-cluster";

/**
 * Every authenticated route of the API (GET /v1/relays/connect takes a relay
 * token, not a role; /healthz, /openapi.json and /docs are public, POST /v1/hooks/:id takes a signature). The run engine's routes are here
 * too; add new routes to this table — auth-matrix.test.ts fails on any route
 * the app has and the table lacks.
 */
export const ROUTES: RouteCase[] = [
  { method: "POST", path: "/v1/clusters", route: "/v1/clusters", role: "operator", body: () => yamlBody(seedYaml(uniqueName("matrix-new"))) },
  { method: "GET", path: "/v1/clusters", route: "/v1/clusters", role: "viewer" },
  { method: "GET", path: `/v1/clusters/${MATRIX_CLUSTER}`, route: "/v1/clusters/:name", role: "viewer" },
  { method: "PUT", path: `/v1/clusters/${MATRIX_CLUSTER}`, route: "/v1/clusters/:name", role: "operator", body: () => yamlBody(seedYaml(MATRIX_CLUSTER)) },
  { method: "GET", path: `/v1/clusters/${MATRIX_CLUSTER}/revisions`, route: "/v1/clusters/:name/revisions", role: "viewer" },
  { method: "DELETE", path: "/v1/clusters/matrix-absent", route: "/v1/clusters/:name", role: "admin" },
  { method: "GET", path: `/v1/clusters/${MATRIX_CLUSTER}/lb-config`, route: "/v1/clusters/:name/lb-config", role: "viewer" },
  { method: "POST", path: "/v1/clusters/matrix-absent/facts", route: "/v1/clusters/:name/facts", role: "operator" },
  { method: "GET", path: "/v1/runs/run-absent", route: "/v1/runs/:id", role: "viewer" },
  { method: "GET", path: "/v1/runs/run-absent/events", route: "/v1/runs/:id/events", role: "viewer" },
  { method: "POST", path: "/v1/runs/run-absent/cancel", route: "/v1/runs/:id/cancel", role: "operator" },
  { method: "POST", path: "/v1/clusters/matrix-absent/apply", route: "/v1/clusters/:name/apply", role: "operator" },
  { method: "POST", path: "/v1/clusters/matrix-absent/reset?confirm=matrix-absent", route: "/v1/clusters/:name/reset", role: "admin" },
  { method: "POST", path: "/v1/clusters/matrix-absent/backups", route: "/v1/clusters/:name/backups", role: "operator" },
  { method: "GET", path: `/v1/clusters/${MATRIX_CLUSTER}/backups`, route: "/v1/clusters/:name/backups", role: "viewer" },
  { method: "POST", path: "/v1/clusters/matrix-absent/restore", route: "/v1/clusters/:name/restore", role: "admin", body: () => jsonBody({ backup: "run_absent" }) },
  { method: "POST", path: "/v1/clusters/matrix-absent/certificates/inventory", route: "/v1/clusters/:name/certificates/inventory", role: "operator" },
  { method: "POST", path: "/v1/clusters/matrix-absent/certificates/renew", route: "/v1/clusters/:name/certificates/renew", role: "operator" },
  { method: "GET", path: `/v1/clusters/${MATRIX_CLUSTER}/certificates`, route: "/v1/clusters/:name/certificates", role: "viewer" },
  { method: "GET", path: "/v1/clusters/matrix-absent/kubeconfig", route: "/v1/clusters/:name/kubeconfig", role: "admin" },
  { method: "POST", path: "/v1/clusters/matrix-absent/kubeconfigs", route: "/v1/clusters/:name/kubeconfigs", role: "admin", body: () => jsonBody({ user: "alice", group: "dev" }) },
  { method: "POST", path: "/v1/tokens", route: "/v1/tokens", role: "admin", body: () => jsonBody({ name: uniqueName("matrix-token"), role: "viewer" }) },
  { method: "GET", path: "/v1/tokens", route: "/v1/tokens", role: "admin" },
  { method: "DELETE", path: `/v1/tokens/${ABSENT_TOKEN_ID}`, route: "/v1/tokens/:id", role: "admin" },
  { method: "POST", path: "/v1/relays", route: "/v1/relays", role: "admin", body: () => jsonBody({ name: uniqueName("matrix-relay"), site: "dc1" }) },
  { method: "GET", path: "/v1/relays", route: "/v1/relays", role: "viewer" },
  { method: "DELETE", path: "/v1/relays/relay-absent", route: "/v1/relays/:name", role: "admin" },
  { method: "GET", path: "/v1/audit", route: "/v1/audit", role: "viewer" },
  { method: "GET", path: "/v1/audit/checkpoint", route: "/v1/audit/checkpoint", role: "viewer" },
  { method: "GET", path: "/v1/audit/public-key", route: "/v1/audit/public-key", role: "viewer" },
  { method: "GET", path: "/v1/audit/verify", route: "/v1/audit/verify", role: "admin" },
  { method: "GET", path: "/v1/audit/denied", route: "/v1/audit/denied", role: "admin" },
  { method: "GET", path: `/v1/clusters/${MATRIX_CLUSTER}/schedule`, route: "/v1/clusters/:name/schedule", role: "viewer" },
  { method: "PUT", path: `/v1/clusters/${MATRIX_CLUSTER}/schedule`, route: "/v1/clusters/:name/schedule", role: "admin", body: () => jsonBody({ backup: { everyHours: 24 } }) },
  { method: "DELETE", path: "/v1/clusters/matrix-absent/schedule", route: "/v1/clusters/:name/schedule", role: "admin" },
  { method: "POST", path: "/v1/webhooks", route: "/v1/webhooks", role: "admin", body: () => jsonBody({ cluster: MATRIX_CLUSTER, action: "backup", scheme: "standard" }) },
  { method: "GET", path: "/v1/webhooks", route: "/v1/webhooks", role: "admin" },
  { method: "DELETE", path: `/v1/webhooks/wh_${"0".repeat(32)}`, route: "/v1/webhooks/:id", role: "admin" },
  { method: "POST", path: "/v1/slack/users", route: "/v1/slack/users", role: "admin", body: () => jsonBody({ team: "T0MATRIX", user: "U0MATRIX", role: "viewer" }) },
  { method: "GET", path: "/v1/slack/users", route: "/v1/slack/users", role: "admin" },
  { method: "DELETE", path: "/v1/slack/users/T0MATRIX/U0ABSENT", route: "/v1/slack/users/:team/:user", role: "admin" },
  {
    method: "POST",
    path: `/v1/clusters/${MATRIX_CLUSTER}/notifications`,
    route: "/v1/clusters/:name/notifications",
    role: "admin",
    body: () => jsonBody({ events: ["run.finished"], target: { kind: "webhook", url: "https://hooks.example.com/keel" } }),
  },
  { method: "GET", path: `/v1/clusters/${MATRIX_CLUSTER}/notifications`, route: "/v1/clusters/:name/notifications", role: "admin" },
  { method: "DELETE", path: `/v1/clusters/${MATRIX_CLUSTER}/notifications/sub_00000000-0000-4000-8000-000000000000`, route: "/v1/clusters/:name/notifications/:id", role: "admin" },
  { method: "GET", path: "/v1/notifications/deliveries", route: "/v1/notifications/deliveries", role: "admin" },
];

/** Routes that are deliberately outside the role matrix. */
export const UNAUTHENTICATED_ROUTES = ["GET /healthz", "GET /openapi.json", "GET /docs", "GET /v1/relays/connect", "POST /v1/hooks/:id", "POST /slack/commands", "POST /slack/interactivity"];

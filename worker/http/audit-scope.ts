import type { Context } from "hono";
import { routePath } from "hono/route";
import { ClusterName, ResourceName, TokenId } from "../../schema/api";
import { RunId } from "../../schema/run-api";
import { WebhookId } from "../../schema/webhook-api";
import type { AppEnv } from "./app-env";

/** A denied or failed call's path goes into the audit details cut to this. */
const MAX_AUDIT_PATH = 256;

export interface AuditScope {
  cluster: string | null;
  target: string | null;
  path: string;
}

/**
 * What an audit entry about this request may say it touched: the path params
 * only when they are valid names (a denied or failed request's params were
 * never validated, and anyone can send a 60,000-character one), and the path
 * truncated.
 */
export function auditScope(c: Context<AppEnv>): AuditScope {
  const route = routePath(c, -1);
  const path = c.req.path.slice(0, MAX_AUDIT_PATH);
  const valid = (schema: { safeParse(v: unknown): { success: boolean } }, value: string | undefined) =>
    value !== undefined && schema.safeParse(value).success ? value : null;
  if (route.startsWith("/v1/clusters/:name")) {
    const cluster = valid(ClusterName, c.req.param("name"));
    return { cluster, target: cluster, path };
  }
  if (route.startsWith("/v1/relays/:name")) return { cluster: null, target: valid(ResourceName, c.req.param("name")), path };
  if (route.startsWith("/v1/tokens/:id")) return { cluster: null, target: valid(TokenId, c.req.param("id")), path };
  if (route.startsWith("/v1/webhooks/:id")) return { cluster: null, target: valid(WebhookId, c.req.param("id")), path };
  if (route.startsWith("/v1/runs/:id")) return { cluster: null, target: valid(RunId, c.req.param("id")), path };
  return { cluster: null, target: null, path };
}

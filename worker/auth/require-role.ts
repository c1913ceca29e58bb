import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { appendAudit } from "../core/audit-append";
import { KeelError } from "../../schema/errors";
import { errorResponse } from "../http/error-response";
import type { AppEnv } from "../http/app-env";
import type { Role } from "../../schema/api";
import { ROLE_RANK } from "./actor";
import { bearerToken, resolveActor } from "./resolve-actor";

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="keel"' };

/**
 * Lets the request through if its bearer token has at least `role`
 * (viewer < operator < admin) and sets `actor`. 401 when the token is missing,
 * unknown or revoked; 403 when its role is too low. Denied attempts at a
 * mutating route are audited as `action` (default: "<METHOD> <route>").
 */
export function requireRole(role: Role, action?: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const secret = bearerToken(c.req.header("authorization"));
    const actor = secret === null ? null : await resolveActor(c.env, secret);
    if (!actor) {
      await auditDenial(c, action, "anonymous", secret === null ? "missing bearer token" : "unknown or revoked token");
      const message = secret === null ? "send `Authorization: Bearer <token>`" : "the token is unknown or revoked";
      return errorResponse(c, new KeelError("unauthorized", message), CHALLENGE);
    }
    if (ROLE_RANK[actor.role] < ROLE_RANK[role]) {
      await auditDenial(c, action, actor.id, `role ${actor.role} is below ${role}`);
      return errorResponse(c, new KeelError("forbidden", `this needs the ${role} role; the token has ${actor.role}`));
    }
    c.set("actor", actor);
    await next();
  };
}

async function auditDenial(c: Context<AppEnv>, action: string | undefined, actor: string, reason: string): Promise<void> {
  // Plain reads are not audited, but a read that hands out a credential (it
  // names its own action, e.g. cluster.kubeconfig) is, denied or not.
  if (READ_METHODS.has(c.req.method) && action === undefined) return;
  const route = routePath(c, -1);
  const cluster = route.startsWith("/v1/clusters/:name") ? (c.req.param("name") ?? null) : null;
  try {
    await appendAudit(c.env.DB, {
      actor,
      action: action ?? `${c.req.method} ${route}`,
      cluster,
      target: cluster,
      outcome: "denied",
      details: { reason, method: c.req.method, path: c.req.path },
    });
  } catch (err) {
    // Deny regardless: an audit outage must not turn a 401/403 into something else.
    console.error("could not audit a denied request:", err);
  }
}

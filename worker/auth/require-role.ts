import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { appendAudit } from "../core/audit-append";
import { KeelError } from "../../schema/errors";
import { auditScope } from "../http/audit-scope";
import { errorResponse } from "../http/error-response";
import type { AppEnv } from "../http/app-env";
import type { Role } from "../../schema/api";
import { countDenied } from "../services/audit/count-denied";
import { ROLE_RANK } from "./actor";
import { admitActor, noteAuthFailure, rateLimited } from "./rate-limit";
import { bearerToken, resolveActor } from "./resolve-actor";

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="keel"' };

/**
 * Lets the request through if its bearer token has at least `role`
 * (viewer < operator < admin) and sets `actor`. 401 when the token is
 * missing, unknown, revoked or expired: counted (denied_requests), not
 * audited one by one. 403 when its role is too low: audited as `action`
 * (default: "<METHOD> <route>") on mutating routes. 429 when the token has
 * used up its rate limit.
 */
export function requireRole(role: Role, action?: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const secret = bearerToken(c.req.header("authorization"));
    const check = secret === null ? null : await resolveActor(c.env, secret);
    if (!check?.ok) {
      const expiredAt = check?.expiredAt ?? null;
      await countUnauthenticated(c, secret === null ? "missing token" : "unknown, revoked or expired token");
      let message = "the token is unknown or revoked";
      if (secret === null) message = "send `Authorization: Bearer <token>`";
      else if (expiredAt !== null) message = `the token expired at ${new Date(expiredAt).toISOString()}; ask an admin for a new one`;
      return errorResponse(c, new KeelError("unauthorized", message), CHALLENGE);
    }
    const actor = check.actor;
    const admission = await admitActor(c, actor.id);
    if (!admission.ok) return rateLimited(c, admission, "this token");
    if (ROLE_RANK[actor.role] < ROLE_RANK[role]) {
      await auditDenial(c, action, actor.id, `role ${actor.role} is below ${role}`);
      return errorResponse(c, new KeelError("forbidden", `this needs the ${role} role; the token has ${actor.role}`));
    }
    c.set("actor", actor);
    await next();
  };
}

/** Counts a request without a valid credential, and charges its client address for it. */
export async function countUnauthenticated(c: Context<AppEnv>, reason: string): Promise<void> {
  const client = c.get("client");
  try {
    await Promise.all([
      noteAuthFailure(c),
      countDenied(c.env.DB, { route: `${c.req.method} ${routePath(c, -1)}`, reason, path: c.req.path, client, at: Date.now() }),
    ]);
  } catch (err) {
    // Deny regardless: a counting outage must not turn a 401 into something else.
    console.error("could not count a denied request:", err);
  }
}

async function auditDenial(c: Context<AppEnv>, action: string | undefined, actor: string, reason: string): Promise<void> {
  // Plain reads are not audited, but a read that hands out a credential (it
  // names its own action, e.g. cluster.kubeconfig) is, denied or not.
  if (READ_METHODS.has(c.req.method) && action === undefined) return;
  const { cluster, target, path } = auditScope(c);
  try {
    await appendAudit(c.env.DB, {
      actor,
      action: action ?? `${c.req.method} ${routePath(c, -1)}`,
      cluster,
      target,
      outcome: "denied",
      details: { reason, method: c.req.method, path },
    });
  } catch (err) {
    // Deny regardless: an audit outage must not turn a 403 into something else.
    console.error("could not audit a denied request:", err);
  }
}

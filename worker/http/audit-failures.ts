import type { MiddlewareHandler } from "hono";
import { appendAudit } from "../core/audit-append";
import { KeelError } from "../../schema/errors";
import type { AppEnv } from "./app-env";

/**
 * Records a failed mutating call as `action` with outcome "failed" (4xx) or
 * "error" (5xx). Successful calls are recorded by their service, in the same
 * batch as the change itself. Goes after requireRole, so `actor` is set.
 * Details carry the error code, message and error count, never the body.
 */
export function auditFailures(action: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (c.res.status < 400) return;
    const err = c.error instanceof KeelError ? c.error : null;
    const details: Record<string, unknown> = { status: c.res.status, code: err?.code ?? "internal" };
    // Our own 4xx messages name the problem; a 5xx message could carry internals.
    if (err && c.res.status < 500) details.message = err.message;
    if (err?.details) details.errors = err.details.length;
    const name = c.req.param("name");
    const cluster = c.req.path.startsWith("/v1/clusters/") ? (name ?? null) : null;
    try {
      await appendAudit(c.env.DB, {
        actor: c.get("actor").id,
        action,
        cluster,
        target: name ?? c.req.param("id") ?? null,
        outcome: c.res.status >= 500 ? "error" : "failed",
        details,
      });
    } catch (auditErr) {
      // The call changed nothing; answer with its own error rather than the audit's.
      console.error(`could not audit a failed ${action}:`, auditErr);
    }
  };
}

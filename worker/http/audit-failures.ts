import type { MiddlewareHandler } from "hono";
import { appendAudit } from "../core/audit-append";
import { KeelError } from "../../schema/errors";
import type { AppEnv } from "./app-env";
import { auditScope } from "./audit-scope";

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
    // A failed call's path params may be what failed validation: only valid names are recorded.
    const { cluster, target } = auditScope(c);
    try {
      await appendAudit(c.env.DB, {
        actor: c.get("actor").id,
        action,
        cluster,
        target,
        outcome: c.res.status >= 500 ? "error" : "failed",
        details,
      });
    } catch (auditErr) {
      // The call changed nothing; answer with its own error rather than the audit's.
      console.error(`could not audit a failed ${action}:`, auditErr);
    }
  };
}

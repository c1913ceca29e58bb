import type { Context, MiddlewareHandler } from "hono";
import { KeelError } from "../../schema/errors";
import type { AppEnv } from "../http/app-env";
import { errorResponse } from "../http/error-response";
import type { Admission, BucketCheck } from "../objects/rate-limit-buckets";
import { clientAddress } from "./client-address";

function admitKey(c: Context<AppEnv>, key: string, checks: BucketCheck[]): Promise<Admission> {
  return c.env.RATE_LIMIT.get(c.env.RATE_LIMIT.idFromName(key)).admit(checks);
}

export function rateLimited(c: Context<AppEnv>, admission: { retryAfterSeconds: number }, who: string): Response {
  const err = new KeelError("rate_limited", `too many requests from ${who}; retry after ${admission.retryAfterSeconds} s`);
  return errorResponse(c, err, { "Retry-After": String(admission.retryAfterSeconds) });
}

/**
 * Every API request counts against its client address, and is refused while
 * that address has used up its failed authentications: checked before any
 * token is looked up, so guessing tokens costs the guesser, not D1.
 */
export const limitClient: MiddlewareHandler<AppEnv> = async (c, next) => {
  const client = clientAddress(c.req.raw);
  const vars = c.get("vars");
  const admission = await admitKey(c, `client:${client}`, [
    { bucket: "requests", perMinute: vars.RATE_LIMIT_PER_CLIENT, take: true },
    { bucket: "auth-failures", perMinute: vars.RATE_LIMIT_AUTH_FAILURES, take: false },
  ]);
  if (!admission.ok) return rateLimited(c, admission, "this client address");
  c.set("client", client);
  await next();
};

/** A failed authentication uses up one of the client's allowance. */
export async function noteAuthFailure(c: Context<AppEnv>): Promise<void> {
  await admitKey(c, `client:${c.get("client")}`, [{ bucket: "auth-failures", perMinute: c.get("vars").RATE_LIMIT_AUTH_FAILURES, take: true }]);
}

/** Each token (and the bootstrap admin) has its own allowance, whatever address it comes from. */
export function admitActor(c: Context<AppEnv>, actorId: string): Promise<Admission> {
  return admitKey(c, actorId, [{ bucket: "requests", perMinute: c.get("vars").RATE_LIMIT_PER_TOKEN, take: true }]);
}

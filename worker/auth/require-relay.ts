import type { MiddlewareHandler } from "hono";
import { KeelError } from "../../schema/errors";
import { errorResponse } from "../http/error-response";
import type { AppEnv } from "../http/app-env";
import { authenticateRelay } from "../services/relays/authenticate-relay";
import { countUnauthenticated } from "./require-role";
import { bearerToken } from "./resolve-actor";

const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="keel-relay"' };

/**
 * Lets the request through if its bearer token is a live relay token, and
 * sets `relay` to that relay's identity. Relay tokens and API tokens live in
 * different tables: neither passes the other's check. 401 otherwise.
 */
export const requireRelay: MiddlewareHandler<AppEnv> = async (c, next) => {
  const secret = bearerToken(c.req.header("authorization"));
  const relay = secret === null ? null : await authenticateRelay(c.env.DB, secret);
  if (!relay) {
    await countUnauthenticated(c, secret === null ? "missing token" : "unknown or revoked relay token");
    const message = secret === null ? "send `Authorization: Bearer <relay token>`" : "the relay token is unknown or revoked";
    return errorResponse(c, new KeelError("unauthorized", message), CHALLENGE);
  }
  c.set("relay", relay);
  await next();
};

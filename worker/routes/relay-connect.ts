import { Hono } from "hono";
import { bearerToken } from "../auth/resolve-actor";
import type { AppEnv } from "../http/app-env";
import { KeelError } from "../../schema/errors";
import { authenticateRelay } from "../services/relays/authenticate-relay";
import { connectRelay } from "../services/relays/connect-relay";

/**
 * The relay's WebSocket. Authenticated by the relay's own token (not an API
 * token), so it sits outside requireRole.
 */
export const relayConnectRoutes = new Hono<AppEnv>().get("/relays/connect", async (c) => {
  const secret = bearerToken(c.req.header("authorization"));
  const relay = secret === null ? null : await authenticateRelay(c.env.DB, secret);
  if (!relay) throw new KeelError("unauthorized", secret === null ? "send `Authorization: Bearer <relay token>`" : "the relay token is unknown or revoked");
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    c.header("Upgrade", "websocket");
    throw new KeelError("upgrade_required", "this endpoint only takes a WebSocket upgrade (Upgrade: websocket)");
  }
  return connectRelay(c.env, relay, c.req.raw);
});

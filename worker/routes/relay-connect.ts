import { Hono } from "hono";
import { KeelError } from "../../schema/errors";
import { requireRelay } from "../auth/require-relay";
import type { AppEnv } from "../http/app-env";
import { connectRelay } from "../services/relays/connect-relay";

/**
 * The relay's WebSocket. Authenticated by the relay's own token (not an API
 * token), so it takes requireRelay instead of requireRole.
 */
export const relayConnectRoutes = new Hono<AppEnv>().get("/relays/connect", requireRelay, async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    c.header("Upgrade", "websocket");
    throw new KeelError("upgrade_required", "this endpoint only takes a WebSocket upgrade (Upgrade: websocket)");
  }
  return connectRelay(c.env, c.get("relay"), c.req.raw);
});

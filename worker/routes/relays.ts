import { Hono } from "hono";
import { CreateRelayBody, RelayListQuery, RelayParams } from "../../schema/api";
import { requireRole } from "../auth/require-role";
import type { AppEnv } from "../http/app-env";
import { auditFailures } from "../http/audit-failures";
import { readJsonBody } from "../http/read-body";
import { validate } from "../http/validate";
import { createRelay } from "../services/relays/create";
import { listRelays } from "../services/relays/list";
import { revokeRelay } from "../services/relays/revoke";

/** Relay registration. The relay's own WebSocket (`/relays/connect`) is relayConnectRoutes. */
export const relayRoutes = new Hono<AppEnv>()
  .post("/relays", requireRole("admin", "relay.create"), auditFailures("relay.create"), async (c) => {
    const body = await readJsonBody(c.req.raw, CreateRelayBody);
    return c.json(await createRelay(c.env.DB, { ...body, actor: c.get("actor").id }), 201);
  })
  .get("/relays", requireRole("viewer"), async (c) => c.json(await listRelays(c.env.DB, validate(RelayListQuery, c.req.query(), "query"))))
  .delete("/relays/:name", requireRole("admin", "relay.revoke"), auditFailures("relay.revoke"), async (c) => {
    const { name } = validate(RelayParams, c.req.param(), "path");
    return c.json({ relay: await revokeRelay(c.env, { name, actor: c.get("actor").id }) });
  });

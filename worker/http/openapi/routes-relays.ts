import { CreateRelayBody, CreatedRelay, RelayListQuery, RelayListResponse, RelayParams, RelayResponse } from "../../../schema/api";
import { json, type RouteGroup } from "./route-doc";

/** worker/routes/relays.ts and relay-connect.ts. */
export const relayRouteDocs: RouteGroup = {
  tag: "relays",
  description: "Relays: one per site, on a jump host, carrying steps out over SSH.",
  routes: [
    {
      method: "POST",
      path: "/v1/relays",
      access: "admin",
      summary: "Register a relay for a site",
      body: { json: CreateRelayBody },
      responses: { 201: json(CreatedRelay, "the relay; its token is shown only here") },
      errors: ["conflict"],
    },
    { method: "GET", path: "/v1/relays", access: "viewer", summary: "List relays and whether they are online", query: RelayListQuery, responses: { 200: json(RelayListResponse, "one page") } },
    {
      method: "DELETE",
      path: "/v1/relays/:name",
      access: "admin",
      summary: "Revoke a relay (its connection is closed)",
      params: RelayParams.shape,
      responses: { 200: json(RelayResponse, "the revoked relay") },
      errors: ["not_found"],
    },
    {
      method: "GET",
      path: "/v1/relays/connect",
      access: "relay",
      summary: "The relay's WebSocket (Upgrade: websocket), authenticated by the relay's token",
      description: "Frames are schema/protocol.ts messages. Anything but a WebSocket upgrade answers 426.",
      responses: { 101: { description: "switching to the WebSocket protocol" } },
      errors: ["upgrade_required"],
    },
  ],
};

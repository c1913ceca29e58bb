import type { Env } from "../../core/env";
import { RELAY_NAME_HEADER, RELAY_SITE_HEADER, type RelayIdentity } from "../../core/relay-identity";
import { appendAudit } from "../../core/audit-append";

/**
 * Hands an authenticated relay's WebSocket upgrade to its RelayObject. The
 * identity travels in headers set here, never taken from the client: the
 * bearer token is dropped and any client-sent identity header overwritten.
 */
export async function connectRelay(env: Env, relay: RelayIdentity, request: Request): Promise<Response> {
  const headers = new Headers();
  headers.set("upgrade", "websocket");
  headers.set(RELAY_NAME_HEADER, relay.name);
  headers.set(RELAY_SITE_HEADER, relay.site);
  await appendAudit(env.DB, { actor: `relay:${relay.name}`, action: "relay.connect", target: relay.name, outcome: "ok", details: { site: relay.site } });
  const stub = env.RELAY.get(env.RELAY.idFromName(relay.name));
  return stub.fetch(new Request(request.url, { method: "GET", headers }));
}

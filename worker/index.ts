// The Worker's entry: wires the Hono app and the cron handler, and re-exports the Durable Objects.
import { app } from "./app";
import type { Env } from "./core/env";
import { scheduled } from "./scheduled";

export { ClusterObject } from "./objects/cluster-object";
export { RelayObject } from "./objects/relay-object";
export { RateLimitObject } from "./objects/rate-limit-object";
export { NotifyObject } from "./notify/notify-object";

export default { fetch: app.fetch, scheduled } satisfies ExportedHandler<Env>;

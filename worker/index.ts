// The Worker's entry: wires the Hono app and re-exports the Durable Objects.
import { app } from "./app";

export { ClusterObject } from "./objects/cluster-object";
export { RelayObject } from "./objects/relay-object";
export { RateLimitObject } from "./objects/rate-limit-object";
export { NotifyObject } from "./notify/notify-object";

export default app;

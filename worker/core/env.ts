import { z } from "zod";
import type { ClusterObject } from "../objects/cluster-object";
import type { RelayObject } from "../objects/relay-object";

/** The Worker's bindings, as wrangler.toml and `wrangler secret put` provide them. */
export interface Env {
  DB: D1Database;
  CLUSTER: DurableObjectNamespace<ClusterObject>;
  RELAY: DurableObjectNamespace<RelayObject>;
  KEEL_ADMIN_TOKEN: string;
  RELAY_WAIT_SECONDS?: string;
}

/** The plain-value part of the env, validated once per request (principle 6). */
export const EnvVars = z.object({
  KEEL_ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters (set it with `wrangler secret put KEEL_ADMIN_TOKEN`)"),
  RELAY_WAIT_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
});
export type EnvVars = z.infer<typeof EnvVars>;

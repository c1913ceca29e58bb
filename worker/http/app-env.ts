import type { Env } from "../core/env";
import type { AuthVariables } from "../auth/actor";

/** The Hono environment of every keel route: the Worker's bindings and the authenticated actor. */
export type AppEnv = { Bindings: Env; Variables: AuthVariables };

import type { MiddlewareHandler } from "hono";
import { EnvVars } from "../core/env";
import { KeelError } from "../../schema/errors";
import type { AppEnv } from "./app-env";
import { formatPath } from "../../schema/cluster-issues";

/**
 * Validates the Worker's plain env vars on every request (principle 6): a
 * missing or short KEEL_ADMIN_TOKEN must fail loudly, not let a weak token in.
 * The message names the variables, never their values.
 */
export const checkEnv: MiddlewareHandler<AppEnv> = async (c, next) => {
  const result = EnvVars.safeParse(c.env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${formatPath(i.path)} ${i.message}`).join("; ");
    console.error(`keel is misconfigured: ${problems}`);
    throw new KeelError("internal", `server misconfigured: ${problems}`);
  }
  c.set("vars", result.data);
  await next();
};

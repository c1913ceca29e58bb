import type { Role } from "../../schema/api";
import type { RelayIdentity } from "../core/relay-identity";
import type { EnvVars } from "../core/env";

/** Who is calling; recorded on every audit entry. */
export const ROLE_RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export interface Actor {
  /** token:<id> | bootstrap | relay:<name> | slack:<user> | webhook:<name> | cron */
  id: string;
  role: Role;
}

/**
 * Hono context variables: `vars` (the validated env) by checkEnv, `client`
 * (the caller's address) by limitClient, `actor` by requireRole, `relay` by requireRelay, `slackBody` by requireSlack.
 */
export interface AuthVariables {
  vars: EnvVars;
  client: string;
  actor: Actor;
  relay: RelayIdentity;
  /** The raw body of a Slack request whose signature checked out (set by requireSlack). */
  slackBody: string;
}

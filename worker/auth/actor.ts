import type { Role } from "../../schema/api";
import type { RelayIdentity } from "../core/relay-identity";

/** Who is calling; recorded on every audit entry. */
export const ROLE_RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export interface Actor {
  /** token:<id> | bootstrap | relay:<name> | slack:<user> | webhook:<name> | cron */
  id: string;
  role: Role;
}

/** Hono context variables set by the auth middleware: `actor` by requireRole, `relay` by requireRelay. */
export interface AuthVariables {
  actor: Actor;
  relay: RelayIdentity;
}

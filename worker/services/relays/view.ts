import type { relays } from "../../../schema/tables";
import type { RelayView } from "../../../schema/api";

/** The public shape of a relay row: everything but the hash. */
export function relayView(row: typeof relays.$inferSelect): RelayView {
  const { name, site, online, lastSeenAt, version, createdAt, revokedAt } = row;
  return { name, site, online, lastSeenAt, version, createdAt, revokedAt };
}

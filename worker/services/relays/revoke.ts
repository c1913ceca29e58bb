import { eq } from "drizzle-orm";
import { relays } from "../../../schema/tables";
import type { RelayView } from "../../../schema/api";
import { openDb } from "../../core/db";
import type { Env } from "../../core/env";
import { KeelError } from "../../../schema/errors";
import { appendAuditWith } from "../../core/audit-append";
import { relayView } from "./view";

export interface RevokeRelayInput {
  name: string;
  actor: string;
}

/**
 * Revokes a relay's token. The row stays (the name stays taken, so a new relay
 * cannot silently inherit the old one's audit history). Idempotent.
 */
export async function revokeRelay(env: Pick<Env, "DB" | "RELAY">, input: RevokeRelayInput): Promise<RelayView> {
  const d1 = env.DB;
  const row = await openDb(d1).select().from(relays).where(eq(relays.name, input.name)).get();
  if (!row) throw new KeelError("not_found", `relay ${input.name} not found`);
  const revokedAt = row.revokedAt ?? Date.now();
  const details = row.revokedAt === null ? { site: row.site } : { site: row.site, alreadyRevoked: true };
  await appendAuditWith(d1, { actor: input.actor, action: "relay.revoke", target: row.name, outcome: "ok", details }, (db) =>
    row.revokedAt === null ? [db.update(relays).set({ revokedAt }).where(eq(relays.name, row.name))] : [],
  );
  // A live socket would otherwise keep working until it reconnects.
  await env.RELAY.get(env.RELAY.idFromName(row.name)).disconnect();
  return relayView({ ...row, revokedAt });
}

import { and, eq, isNull } from "drizzle-orm";
import { relays } from "../../../schema/tables";
import { sha256Hex } from "../../core/secrets";
import { openDb } from "../../core/db";
import type { RelayIdentity } from "../../core/relay-identity";

/** The relay holding this secret, unless it was revoked. Lookup is by hash, so nothing leaks through timing. */
export async function authenticateRelay(d1: D1Database, secret: string): Promise<RelayIdentity | null> {
  const tokenHash = await sha256Hex(secret);
  const row = await openDb(d1)
    .select({ name: relays.name, site: relays.site })
    .from(relays)
    .where(and(eq(relays.tokenHash, tokenHash), isNull(relays.revokedAt)))
    .get();
  return row ?? null;
}

import { and, eq, isNull } from "drizzle-orm";
import { apiTokens } from "../../../schema/tables";
import type { Role } from "../../../schema/api";
import { sha256Hex } from "../../core/secrets";
import { openDb } from "../../core/db";

/** lastUsedAt is for humans ("is this token still used?"): minute precision saves a write per request. */
const LAST_USED_GRANULARITY_MS = 60_000;

/** The live (not revoked) token whose secret this is, or null. */
export async function authenticateToken(d1: D1Database, secret: string): Promise<{ id: string; role: Role } | null> {
  const db = openDb(d1);
  const tokenHash = await sha256Hex(secret);
  const row = await db
    .select({ id: apiTokens.id, role: apiTokens.role, lastUsedAt: apiTokens.lastUsedAt })
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)))
    .get();
  if (!row) return null;
  const now = Date.now();
  if (row.lastUsedAt === null || now - row.lastUsedAt > LAST_USED_GRANULARITY_MS) {
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
  }
  return { id: row.id, role: row.role };
}

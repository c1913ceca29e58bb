import { and, eq, isNull } from "drizzle-orm";
import { apiTokens } from "../../../schema/tables";
import type { Role } from "../../../schema/api";
import { sha256Hex } from "../../core/secrets";
import { openDb } from "../../core/db";

/** lastUsedAt is for humans ("is this token still used?"): minute precision saves a write per request. */
const LAST_USED_GRANULARITY_MS = 60_000;

export type TokenCheck = { ok: true; id: string; role: Role } | { ok: false; expiredAt: number } | null;

/** The live (not revoked) token whose secret this is; `expiredAt` if it is past its expiry; null if none. */
export async function authenticateToken(d1: D1Database, secret: string): Promise<TokenCheck> {
  const db = openDb(d1);
  const tokenHash = await sha256Hex(secret);
  const row = await db
    .select({ id: apiTokens.id, role: apiTokens.role, lastUsedAt: apiTokens.lastUsedAt, expiresAt: apiTokens.expiresAt })
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)))
    .get();
  if (!row) return null;
  const now = Date.now();
  if (row.expiresAt !== null && now >= row.expiresAt) return { ok: false, expiredAt: row.expiresAt };
  if (row.lastUsedAt === null || now - row.lastUsedAt > LAST_USED_GRANULARITY_MS) {
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
  }
  return { ok: true, id: row.id, role: row.role };
}

import type { apiTokens } from "../../../schema/tables";
import type { TokenView } from "../../../schema/api";

/** The public shape of a token row: everything but the hash. */
export function tokenView(row: typeof apiTokens.$inferSelect): TokenView {
  const { id, name, role, createdBy, createdAt, revokedAt, lastUsedAt, expiresAt } = row;
  return { id, name, role, createdBy, createdAt, revokedAt, lastUsedAt, expiresAt };
}

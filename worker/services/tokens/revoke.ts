import { eq } from "drizzle-orm";
import { apiTokens } from "../../../schema/tables";
import type { TokenView } from "../../../schema/api";
import { openDb } from "../../core/db";
import { KeelError } from "../../../schema/errors";
import { appendAuditWith } from "../../core/audit-append";
import { tokenView } from "./view";

export interface RevokeTokenInput {
  id: string;
  actor: string;
}

/** Revokes a token; the row stays so audit entries naming `token:<id>` still resolve. Idempotent. */
export async function revokeToken(d1: D1Database, input: RevokeTokenInput): Promise<TokenView> {
  const db = openDb(d1);
  const row = await db.select().from(apiTokens).where(eq(apiTokens.id, input.id)).get();
  if (!row) throw new KeelError("not_found", `token ${input.id} not found`);
  if (row.revokedAt !== null) {
    await appendAuditWith(d1, { actor: input.actor, action: "token.revoke", target: row.id, outcome: "ok", details: { name: row.name, alreadyRevoked: true } }, () => []);
    return tokenView(row);
  }
  const revokedAt = Date.now();
  await appendAuditWith(d1, { actor: input.actor, action: "token.revoke", target: row.id, outcome: "ok", details: { name: row.name, role: row.role } }, (tx) => [
    tx.update(apiTokens).set({ revokedAt }).where(eq(apiTokens.id, row.id)),
  ]);
  return tokenView({ ...row, revokedAt });
}

import { apiTokens } from "../../../schema/tables";
import type { CreatedToken, CreateTokenBody } from "../../../schema/api";
import { newSecret, sha256Hex } from "../../core/secrets";
import { appendAuditWith } from "../../core/audit-append";

export interface CreateTokenInput extends CreateTokenBody {
  actor: string;
}

/** Mints an API token, optionally expiring. The secret is returned once; D1 keeps only its SHA-256. */
export async function createToken(d1: D1Database, input: CreateTokenInput): Promise<CreatedToken> {
  const id = crypto.randomUUID();
  const token = newSecret("keel_api");
  const tokenHash = await sha256Hex(token);
  const createdAt = Date.now();
  const expiresAt = input.expiresAt ?? (input.expiresIn !== undefined ? createdAt + input.expiresIn * 1000 : null);
  const details = { name: input.name, role: input.role, ...(expiresAt !== null ? { expiresAt } : {}) };
  await appendAuditWith(d1, { actor: input.actor, action: "token.create", target: id, outcome: "ok", details }, (db) => [
    db.insert(apiTokens).values({ id, name: input.name, role: input.role, tokenHash, createdBy: input.actor, createdAt, expiresAt }),
  ]);
  return { id, name: input.name, role: input.role, token, expiresAt };
}

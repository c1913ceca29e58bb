import type { Env } from "../core/env";
import { authenticateToken } from "../services/tokens/authenticate";
import type { Actor } from "./actor";
import { timingSafeEqual } from "../core/secrets";

/** The secret of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? "");
  return match?.[1] ?? null;
}

/**
 * Who holds this secret: the bootstrap admin (the KEEL_ADMIN_TOKEN secret) or
 * a live API token. Relay tokens live in another table and never match here.
 */
export async function resolveActor(env: Env, secret: string): Promise<Actor | null> {
  if (timingSafeEqual(secret, env.KEEL_ADMIN_TOKEN)) return { id: "bootstrap", role: "admin" };
  const token = await authenticateToken(env.DB, secret);
  return token ? { id: `token:${token.id}`, role: token.role } : null;
}

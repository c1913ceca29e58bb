import type { Env } from "../core/env";
import { authenticateToken } from "../services/tokens/authenticate";
import type { Actor } from "./actor";
import { timingSafeEqual } from "../core/secrets";

/** The secret of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? "");
  return match?.[1] ?? null;
}

export type ActorCheck = { ok: true; actor: Actor } | { ok: false; expiredAt: number | null };

/**
 * Who holds this secret: the bootstrap admin (the KEEL_ADMIN_TOKEN secret) or
 * a live API token. Relay tokens live in another table and never match here.
 * `expiredAt` tells an expired token from an unknown one.
 */
export async function resolveActor(env: Env, secret: string): Promise<ActorCheck> {
  if (timingSafeEqual(secret, env.KEEL_ADMIN_TOKEN)) return { ok: true, actor: { id: "bootstrap", role: "admin" } };
  const token = await authenticateToken(env.DB, secret);
  if (token === null) return { ok: false, expiredAt: null };
  if (!token.ok) return { ok: false, expiredAt: token.expiredAt };
  return { ok: true, actor: { id: `token:${token.id}`, role: token.role } };
}

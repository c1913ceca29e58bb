import { eq } from "drizzle-orm";
import { relays } from "../../../schema/tables";
import type { CreatedRelay, CreateRelayBody } from "../../../schema/api";
import { newSecret, sha256Hex } from "../../core/secrets";
import { openDb } from "../../core/db";
import { uniqueViolation } from "../../core/db-errors";
import { KeelError } from "../../../schema/errors";
import { appendAuditWith } from "../../core/audit-append";

export interface CreateRelayInput extends CreateRelayBody {
  actor: string;
}

/** Registers a relay for a site. Its secret is returned once; D1 keeps only its SHA-256. */
export async function createRelay(d1: D1Database, input: CreateRelayInput): Promise<CreatedRelay> {
  const conflict = () => new KeelError("conflict", `relay ${input.name} already exists`);
  const existing = await openDb(d1).select({ name: relays.name }).from(relays).where(eq(relays.name, input.name)).get();
  if (existing) throw conflict();
  const token = newSecret("keel_relay");
  const tokenHash = await sha256Hex(token);
  try {
    await appendAuditWith(d1, { actor: input.actor, action: "relay.create", target: input.name, outcome: "ok", details: { site: input.site } }, (db) => [
      db.insert(relays).values({ name: input.name, site: input.site, tokenHash, createdAt: Date.now() }),
    ]);
  } catch (err) {
    // Lost a race with another create of the same name.
    if (uniqueViolation(err) === "relays.name") throw conflict();
    throw err;
  }
  return { name: input.name, site: input.site, token };
}

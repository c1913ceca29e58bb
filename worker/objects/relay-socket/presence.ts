import { eq } from "drizzle-orm";
import { relays } from "../../../schema/tables";
import { openDb } from "../../core/db";

/** A relay said hello: it can take steps (findRelay reads this). */
export async function markOnline(d1: D1Database, relay: string, version: string, now: number): Promise<void> {
  await openDb(d1).update(relays).set({ online: true, version, lastSeenAt: now }).where(eq(relays.name, relay));
}

export async function markSeen(d1: D1Database, relay: string, now: number): Promise<void> {
  await openDb(d1).update(relays).set({ lastSeenAt: now }).where(eq(relays.name, relay));
}

export async function markOffline(d1: D1Database, relay: string, now: number): Promise<void> {
  await openDb(d1).update(relays).set({ online: false, lastSeenAt: now }).where(eq(relays.name, relay));
}

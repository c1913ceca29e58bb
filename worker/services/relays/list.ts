import { asc } from "drizzle-orm";
import { relays } from "../../../schema/tables";
import type { RelayView } from "../../../schema/api";
import { openDb } from "../../core/db";
import { relayView } from "./view";

export async function listRelays(d1: D1Database): Promise<RelayView[]> {
  const rows = await openDb(d1).select().from(relays).orderBy(asc(relays.site), asc(relays.name)).all();
  return rows.map(relayView);
}

import { and, asc, eq, gt, or } from "drizzle-orm";
import { relays } from "../../../schema/tables";
import { encodeCursor, type RelayListQuery, type RelayListResponse } from "../../../schema/api";
import { openDb } from "../../core/db";
import { relayView } from "./view";

/** Relays by site and name, a page at a time. */
export async function listRelays(d1: D1Database, query: RelayListQuery): Promise<RelayListResponse> {
  const at = query.cursor;
  const after = at ? or(gt(relays.site, at.site), and(eq(relays.site, at.site), gt(relays.name, at.name))) : undefined;
  const rows = await openDb(d1).select().from(relays).where(after).orderBy(asc(relays.site), asc(relays.name)).limit(query.limit + 1).all();
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { relays: page.map(relayView), nextCursor: rows.length > query.limit && last ? encodeCursor({ site: last.site, name: last.name }) : null };
}

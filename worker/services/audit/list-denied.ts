import { and, desc, asc, eq, gt, lt, or, type SQL } from "drizzle-orm";
import { deniedRequests } from "../../../schema/tables";
import { encodeCursor, type DeniedRequestsPage, type DeniedRequestsQuery } from "../../../schema/api";
import { openDb } from "../../core/db";

/** Counted refusals (see count-denied.ts), newest minute first. */
export async function listDenied(d1: D1Database, query: DeniedRequestsQuery): Promise<DeniedRequestsPage> {
  const t = deniedRequests;
  const at = query.cursor;
  let after: SQL | undefined;
  if (at) {
    after = or(
      lt(t.window, at.window),
      and(eq(t.window, at.window), gt(t.route, at.route)),
      and(eq(t.window, at.window), eq(t.route, at.route), gt(t.reason, at.reason)),
    );
  }
  const rows = await openDb(d1).select().from(t).where(after).orderBy(desc(t.window), asc(t.route), asc(t.reason)).limit(query.limit + 1).all();
  const windows = rows.slice(0, query.limit);
  const last = windows.at(-1);
  const nextCursor = rows.length > query.limit && last ? encodeCursor({ window: last.window, route: last.route, reason: last.reason }) : null;
  return { windows, nextCursor };
}

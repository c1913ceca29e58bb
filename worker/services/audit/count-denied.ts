import { lt, sql } from "drizzle-orm";
import { deniedRequests } from "../../../schema/tables";
import { openDb } from "../../core/db";

/** Stored strings are cut to these lengths: a 60,000-character URL must not make a 60 KB row. */
export const MAX_SAMPLE_PATH = 256;
const MAX_ROUTE = 200;
const MAX_REASON = 100;
const MAX_CLIENT = 64;
/** Windows older than this are dropped as new ones open, so the table stays bounded. */
const KEEP_MS = 14 * 86_400_000;
const WINDOW_MS = 60_000;

export interface DeniedRequest {
  /** The route as registered ("POST /v1/clusters/:name/apply"), never the raw path. */
  route: string;
  reason: string;
  path: string;
  client: string | null;
  at: number;
}

/**
 * Counts a request refused for want of a valid credential: one row per
 * route, reason and minute, holding the count and the window's first request
 * as a sample. Such requests cost anyone nothing to send, so they are not
 * appended to the audit chain one by one (where they also raced real
 * mutations for the chain head).
 */
export async function countDenied(d1: D1Database, denied: DeniedRequest): Promise<void> {
  const db = openDb(d1);
  const window = denied.at - (denied.at % WINDOW_MS);
  const opened = await db
    .insert(deniedRequests)
    .values({
      window,
      route: denied.route.slice(0, MAX_ROUTE),
      reason: denied.reason.slice(0, MAX_REASON),
      count: 1,
      samplePath: denied.path.slice(0, MAX_SAMPLE_PATH),
      sampleClient: denied.client?.slice(0, MAX_CLIENT) ?? null,
      firstAt: denied.at,
      lastAt: denied.at,
    })
    .onConflictDoUpdate({
      target: [deniedRequests.window, deniedRequests.route, deniedRequests.reason],
      set: { count: sql`${deniedRequests.count} + 1`, lastAt: sql`max(${deniedRequests.lastAt}, excluded.last_at)` },
    })
    .returning({ count: deniedRequests.count })
    .get();
  // Prune once per new window rather than on every request.
  if (opened?.count === 1) await db.delete(deniedRequests).where(lt(deniedRequests.window, window - KEEP_MS));
}

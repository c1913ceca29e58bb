import { eq } from "drizzle-orm";
import { clusters } from "../../../schema/tables";
import { openDb } from "../../core/db";

/** The site a cluster belongs to, or null if there is no such cluster. */
export async function clusterSite(d1: D1Database, cluster: string): Promise<string | null> {
  const row = await openDb(d1).select({ site: clusters.site }).from(clusters).where(eq(clusters.name, cluster)).get();
  return row?.site ?? null;
}

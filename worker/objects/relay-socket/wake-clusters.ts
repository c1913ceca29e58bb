import { and, eq, inArray } from "drizzle-orm";
import { clusters, runs } from "../../../schema/tables";
import { openDb } from "../../core/db";
import type { Env } from "../../core/env";
import { ACTIVE_RUN_STATUSES } from "../../../schema/run-api";

/**
 * Tells every cluster of the site with an unfinished run that a relay is
 * back, so a run waiting for a relay (or whose steps were in flight on a
 * dropped connection) resumes now rather than at its next alarm.
 */
export async function wakeClustersOfSite(env: Env, site: string): Promise<void> {
  const rows = await openDb(env.DB)
    .selectDistinct({ cluster: runs.cluster })
    .from(runs)
    .innerJoin(clusters, eq(clusters.name, runs.cluster))
    .where(and(eq(clusters.site, site), inArray(runs.status, [...ACTIVE_RUN_STATUSES])))
    .all();
  await Promise.all(
    rows.map(async ({ cluster }) => {
      try {
        await env.CLUSTER.get(env.CLUSTER.idFromName(cluster)).relayAvailable();
      } catch (err) {
        // The cluster's own alarm polls for relays too; a missed wake-up only delays it.
        console.warn(`could not wake cluster ${cluster}:`, err);
      }
    }),
  );
}

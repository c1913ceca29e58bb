import { asc, eq } from "drizzle-orm";
import { clusters } from "../../../schema/tables";
import type { ClusterSummary } from "../../../schema/api";
import { openDb } from "../../core/db";
import { clusterSummary } from "../../core/cluster-view";

export async function listClusters(d1: D1Database, filter: { site?: string }): Promise<ClusterSummary[]> {
  const rows = await openDb(d1)
    .select()
    .from(clusters)
    .where(filter.site === undefined ? undefined : eq(clusters.site, filter.site))
    .orderBy(asc(clusters.name))
    .all();
  return rows.map(clusterSummary);
}

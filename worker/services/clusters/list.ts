import { and, asc, eq, gt } from "drizzle-orm";
import { clusters } from "../../../schema/tables";
import { encodeCursor, type ClusterListQuery, type ClusterListResponse } from "../../../schema/api";
import { openDb } from "../../core/db";
import { clusterSummary } from "../../core/cluster-view";

/** Clusters by name (optionally of one site), a page at a time. */
export async function listClusters(d1: D1Database, query: ClusterListQuery): Promise<ClusterListResponse> {
  const rows = await openDb(d1)
    .select()
    .from(clusters)
    .where(and(query.site === undefined ? undefined : eq(clusters.site, query.site), query.cursor ? gt(clusters.name, query.cursor.name) : undefined))
    .orderBy(asc(clusters.name))
    .limit(query.limit + 1)
    .all();
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { clusters: page.map(clusterSummary), nextCursor: rows.length > query.limit && last ? encodeCursor({ name: last.name }) : null };
}

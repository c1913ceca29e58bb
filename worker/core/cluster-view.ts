import { and, eq } from "drizzle-orm";
import { clusterRevisions, clusters } from "../../schema/tables";
import type { ClusterSummary, ClusterView } from "../../schema/api";
import type { Db } from "./db";

export function clusterSummary(row: typeof clusters.$inferSelect): ClusterSummary {
  const { name, site, currentRevision, appliedRevision, createdAt, updatedAt } = row;
  return { name, site, currentRevision, appliedRevision, createdAt, updatedAt };
}

/** A cluster with its current revision's spec, or null if there is no such cluster. */
export async function readClusterView(db: Db, name: string): Promise<ClusterView | null> {
  const row = await db
    .select({ cluster: clusters, spec: clusterRevisions.spec })
    .from(clusters)
    .innerJoin(clusterRevisions, and(eq(clusterRevisions.cluster, clusters.name), eq(clusterRevisions.revision, clusters.currentRevision)))
    .where(eq(clusters.name, name))
    .get();
  if (!row) return null;
  return { ...clusterSummary(row.cluster), spec: row.spec, facts: row.cluster.facts ?? null };
}

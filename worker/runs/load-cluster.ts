import { and, eq } from "drizzle-orm";
import { ClusterSpec } from "../../schema/cluster";
import { clusterRevisions, clusters } from "../../schema/tables";
import type { Db } from "../core/db";
import { readClusterView } from "../core/cluster-view";
import type { PlanIssue } from "../planner/plan";
import { parseClusterFacts, type StoredHostFacts } from "./run-mirror";

export type LoadedCluster =
  | { ok: true; site: string; revision: number; spec: ClusterSpec }
  | { ok: false; code: "not_found" | "invalid_spec"; message: string; details?: PlanIssue[] };

/**
 * The cluster's current revision, re-validated: the spec column was written
 * by an earlier version of keel, and the planner must only see what today's
 * schema accepts (principle 6).
 */
export async function loadClusterForRun(db: Db, name: string): Promise<LoadedCluster> {
  const view = await readClusterView(db, name);
  if (!view) return { ok: false, code: "not_found", message: `cluster ${name} not found` };
  const parsed = ClusterSpec.safeParse(view.spec);
  if (!parsed.success) {
    return {
      ok: false,
      code: "invalid_spec",
      message: `the stored spec of cluster ${name} (revision ${view.currentRevision}) no longer validates; update the cluster`,
      details: parsed.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
    };
  }
  return { ok: true, site: view.site, revision: view.currentRevision, spec: parsed.data };
}

/** One stored revision's spec, re-validated like the current one; null when missing or no longer valid. */
export async function loadRevisionSpec(db: Db, cluster: string, revision: number): Promise<ClusterSpec | null> {
  const row = await db
    .select({ spec: clusterRevisions.spec })
    .from(clusterRevisions)
    .where(and(eq(clusterRevisions.cluster, cluster), eq(clusterRevisions.revision, revision)))
    .get();
  const parsed = ClusterSpec.safeParse(row?.spec);
  return parsed.success ? parsed.data : null;
}

/** What an apply plans against: the last applied spec (null before the first apply) and the stored facts. */
export async function loadApplyBaseline(db: Db, cluster: string): Promise<{ lastApplied: ClusterSpec | null; appliedRevision: number | null; facts: Record<string, StoredHostFacts> | null }> {
  const row = await db.select({ appliedRevision: clusters.appliedRevision, facts: clusters.facts }).from(clusters).where(eq(clusters.name, cluster)).get();
  const appliedRevision = row?.appliedRevision ?? null;
  const lastApplied = appliedRevision === null ? null : await loadRevisionSpec(db, cluster, appliedRevision);
  return { lastApplied, appliedRevision, facts: row?.facts ? parseClusterFacts(row.facts) : null };
}

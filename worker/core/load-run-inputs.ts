import { and, eq } from "drizzle-orm";
import { ClusterSpec } from "../../schema/cluster";
import { fail, type ErrorBody } from "../../schema/errors";
import { parseClusterFacts } from "../../schema/stored-facts";
import { clusterRevisions, clusters } from "../../schema/tables";
import type { RunInputs } from "../planner/run-inputs";
import type { Db } from "./db";

/**
 * Everything a run (or a dry run) plans with, read once: the cluster's
 * current revision re-validated (the spec column was written by an earlier
 * keel, and the planner must only see what today's schema accepts), the last
 * applied revision's spec and the stored facts.
 */
export async function loadRunInputs(db: Db, name: string): Promise<{ ok: true; inputs: RunInputs } | { ok: false; error: ErrorBody }> {
  const row = await db.select().from(clusters).where(eq(clusters.name, name)).get();
  if (!row) return fail("not_found", `cluster ${name} not found`);
  const current = await revisionSpec(db, name, row.currentRevision);
  if (!current.success) {
    const details = current.error?.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })) ?? [];
    return fail("invalid_spec", `the stored spec of cluster ${name} (revision ${row.currentRevision}) no longer validates; update the cluster`, details);
  }
  const applied = row.appliedRevision === null ? null : await revisionSpec(db, name, row.appliedRevision);
  return {
    ok: true,
    inputs: {
      cluster: name,
      site: row.site,
      revision: row.currentRevision,
      spec: current.data,
      lastApplied: applied?.success ? applied.data : null,
      appliedRevision: row.appliedRevision,
      facts: parseClusterFacts(row.facts),
    },
  };
}

export async function revisionSpec(db: Db, cluster: string, revision: number) {
  const row = await db
    .select({ spec: clusterRevisions.spec })
    .from(clusterRevisions)
    .where(and(eq(clusterRevisions.cluster, cluster), eq(clusterRevisions.revision, revision)))
    .get();
  if (!row) return { success: false as const, error: null };
  return ClusterSpec.safeParse(row.spec);
}

import { and, eq } from "drizzle-orm";
import { clusterRevisions, clusters } from "../../../schema/tables";
import type { ClusterUpdateResponse } from "../../../schema/api";
import { canonicalJson } from "../../../schema/canonical-json";
import { openDb } from "../../core/db";
import { uniqueViolation } from "../../core/db-errors";
import { KeelError } from "../../../schema/errors";
import { appendAuditWith } from "../../core/audit-append";
import { loadSpec, type SpecSource } from "./load-spec";
import { readClusterView } from "../../core/cluster-view";

export interface UpdateClusterInput {
  name: string;
  /** Moves the cluster to another site's relay; undefined keeps the current site. */
  site?: string;
  spec: SpecSource;
  actor: string;
}

/**
 * Stores a new revision (current + 1). A spec identical to the current one
 * after normalization makes no revision: re-sending the same file is a no-op.
 */
export async function updateCluster(d1: D1Database, input: UpdateClusterInput): Promise<ClusterUpdateResponse> {
  const { spec, name, source } = loadSpec(input.spec);
  if (name !== input.name) {
    throw new KeelError("validation_failed", `metadata.name (${name}) does not match the cluster being updated (${input.name})`, [
      { path: "metadata.name", message: `must be "${input.name}"` },
    ]);
  }
  const current = await readClusterView(openDb(d1), name);
  if (!current) throw new KeelError("not_found", `cluster ${name} not found`);

  const site = input.site ?? current.site;
  const specChanged = canonicalJson(spec) !== canonicalJson(current.spec);
  const audit = { actor: input.actor, action: "cluster.update", cluster: name, target: name, outcome: "ok" as const };
  if (!specChanged && site === current.site) {
    await appendAuditWith(d1, { ...audit, details: { unchanged: true, revision: current.currentRevision } }, () => []);
    return { cluster: current, unchanged: true };
  }

  const now = Date.now();
  const revision = specChanged ? current.currentRevision + 1 : current.currentRevision;
  const details: Record<string, unknown> = { revision };
  if (site !== current.site) details.site = { from: current.site, to: site };
  try {
    await appendAuditWith(d1, { ...audit, details }, (db) => {
      // Guarded by the revision read above, so a concurrent update cannot be overwritten silently.
      const moveHead = db
        .update(clusters)
        .set({ currentRevision: revision, site, updatedAt: now })
        .where(and(eq(clusters.name, name), eq(clusters.currentRevision, current.currentRevision)));
      if (!specChanged) return [moveHead];
      return [db.insert(clusterRevisions).values({ cluster: name, revision, source, spec, createdBy: input.actor, createdAt: now }), moveHead];
    });
  } catch (err) {
    // (cluster, revision) is unique: another update took this revision number first.
    if (uniqueViolation(err)?.startsWith("cluster_revisions.")) throw new KeelError("conflict", `cluster ${name} was updated concurrently; fetch it and retry`);
    throw err;
  }
  return {
    cluster: { ...current, site, currentRevision: revision, spec: specChanged ? spec : current.spec, updatedAt: now },
    unchanged: false,
  };
}

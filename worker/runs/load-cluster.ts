import { ClusterSpec } from "../../schema/cluster";
import type { Db } from "../db";
import { readClusterView } from "../services/clusters/view";
import type { PlanIssue } from "../planner/plan";

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

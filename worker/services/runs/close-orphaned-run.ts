import { and, eq, inArray } from "drizzle-orm";
import { runs } from "../../../schema/tables";
import type { Env } from "../../core/env";
import { appendAuditWith } from "../../core/audit-append";
import { ACTIVE_RUN_STATUSES } from "../../../schema/run-api";

/**
 * D1 mirrors each run, but the cluster's Durable Object is the run's owner
 * (and its lock). If that object lost the run (its storage was reset between
 * writing the D1 row and its own state), the D1 row would say "running"
 * forever and block deleting the cluster — k0sctl's stuck-lock complaint
 * (#572). When D1 says a run is active and the object holds another run or
 * none, the row is closed as failed, and that is audited. Returns true when it
 * closed the row.
 */
export async function closeOrphanedRun(env: Pick<Env, "DB" | "CLUSTER">, cluster: string, runId: string): Promise<boolean> {
  const active = await env.CLUSTER.get(env.CLUSTER.idFromName(cluster)).getActiveRun();
  if (active?.id === runId) return false;
  const error = "the run's state was lost by its cluster object; nothing more will happen in this run";
  const results = await appendAuditWith(env.DB, { actor: "system", action: "run.finish", cluster, target: runId, outcome: "failed", details: { orphaned: true } }, (db) => [
    db
      .update(runs)
      .set({ status: "failed", error, finishedAt: Date.now() })
      .where(and(eq(runs.id, runId), inArray(runs.status, [...ACTIVE_RUN_STATUSES])))
      .returning({ id: runs.id }),
  ]);
  const closed = results[0];
  return Array.isArray(closed) && closed.length > 0;
}

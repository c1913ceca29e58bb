import { and, eq, inArray, notExists } from "drizzle-orm";
import { certificates, clusterRevisions, clusters, runs, schedules, webhookDeliveries, webhooks } from "../../../schema/tables";
import { openDb, type Db } from "../../core/db";
import { KeelError } from "../../../schema/errors";
import type { Env } from "../../core/env";
import { appendAuditWith } from "../../core/audit-append";
import { closeOrphanedRun } from "../runs/close-orphaned-run";
import { ACTIVE_RUN_STATUSES } from "../../../schema/run-api";


// A fresh builder per use: drizzle's builders are mutable.
function activeRuns(db: Db, cluster: string) {
  return db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.cluster, cluster), inArray(runs.status, [...ACTIVE_RUN_STATUSES])));
}

export interface DeleteClusterInput {
  name: string;
  actor: string;
}

/**
 * Forgets a cluster: its record, revisions, certificate inventory, schedule and webhook endpoints.
 * Touches no host, keeps its runs and audit entries for history. Refused while a run is active.
 */
export async function deleteCluster(env: Pick<Env, "DB" | "CLUSTER">, input: DeleteClusterInput): Promise<void> {
  const d1 = env.DB;
  const db = openDb(d1);
  const { name } = input;
  const row = await db.select({ currentRevision: clusters.currentRevision }).from(clusters).where(eq(clusters.name, name)).get();
  if (!row) throw new KeelError("not_found", `cluster ${name} not found`);
  let active = await activeRuns(db, name).limit(1).get();
  // A run D1 calls active but the cluster object no longer has must not block forever.
  if (active && (await closeOrphanedRun(env, name, active.id))) active = await activeRuns(db, name).limit(1).get();
  if (active) throw new KeelError("conflict", `cluster ${name} has an active run (${active.id}); wait for it or cancel it first`);

  // The deletes re-check for active runs inside the batch, so a run that starts
  // between the check above and the batch still keeps its cluster.
  const results = await appendAuditWith(
    d1,
    { actor: input.actor, action: "cluster.delete", cluster: name, target: name, outcome: "ok", details: { revisions: row.currentRevision } },
    (tx) => [
      tx.delete(clusterRevisions).where(and(eq(clusterRevisions.cluster, name), notExists(activeRuns(tx, name)))),
      // A cluster created later under the same name must not show these hosts' certificates.
      tx.delete(certificates).where(and(eq(certificates.cluster, name), notExists(activeRuns(tx, name)))),
      tx.delete(clusters).where(and(eq(clusters.name, name), notExists(activeRuns(tx, name)))).returning({ name: clusters.name }),
      // Nothing may start runs on a cluster that is gone (or on a new one that takes its name).
      tx.delete(schedules).where(and(eq(schedules.cluster, name), notExists(activeRuns(tx, name)))),
      tx.delete(webhookDeliveries).where(and(inArray(webhookDeliveries.endpointId, tx.select({ id: webhooks.id }).from(webhooks).where(eq(webhooks.cluster, name))), notExists(activeRuns(tx, name)))),
      tx.delete(webhooks).where(and(eq(webhooks.cluster, name), notExists(activeRuns(tx, name)))),
    ],
  );
  const deleted = results[2];
  if (!Array.isArray(deleted) || deleted.length === 0) {
    throw new KeelError("conflict", `cluster ${name} was not deleted: a run started or the cluster changed meanwhile`);
  }
}

import { eq } from "drizzle-orm";
import { FINISHED_RUN_STATUSES, type RunSummary } from "../../../schema/run-api";
import { runs } from "../../../schema/tables";
import { openDb } from "../../core/db";
import type { Env } from "../../core/env";
import { KeelError } from "../../../schema/errors";
import { appendAudit } from "../../core/audit-append";
import { closeOrphanedRun } from "./close-orphaned-run";

const FINISHED = FINISHED_RUN_STATUSES;

/**
 * Asks the run's cluster object to stop the run. It ends `cancelled` once the
 * steps in flight have finished and its cleanup ran; this returns at once.
 */
export async function cancelRun(env: Env, input: { id: string; actor: string }): Promise<RunSummary> {
  const run = await openDb(env.DB).select({ cluster: runs.cluster, status: runs.status }).from(runs).where(eq(runs.id, input.id)).get();
  if (!run) throw new KeelError("not_found", `run ${input.id} not found`);
  if (FINISHED.has(run.status)) throw new KeelError("conflict", `run ${input.id} already finished (${run.status})`);
  const result = await env.CLUSTER.get(env.CLUSTER.idFromName(run.cluster)).cancelRun(input.id, input.actor);
  if (!result.ok && result.error.code === "not_found" && (await closeOrphanedRun(env, run.cluster, input.id))) {
    throw new KeelError("conflict", `run ${input.id} had lost its state and is now marked failed; there is nothing left to cancel`);
  }
  if (!result.ok) throw new KeelError("conflict", result.error.code === "not_found" ? `run ${input.id} already finished` : result.error.message);
  await appendAudit(env.DB, { actor: input.actor, action: "run.cancel", cluster: run.cluster, target: input.id, outcome: "ok" });
  return result.run;
}

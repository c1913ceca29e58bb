import { KeelError } from "../../../schema/errors";
import type { ResetDryRunResponse, RunSummary } from "../../../schema/run-api";
import { loadRunInputs } from "../../core/load-run-inputs";
import { openDb } from "../../core/db";
import type { Env } from "../../core/env";
import { planDryRun } from "../../planner/plan-dry-run";
import { appendAudit } from "../../core/audit-append";
import { startRun } from "./start-run";

export interface ResetInput {
  cluster: string;
  actor: string;
  confirm: string | undefined;
  dryRun: boolean;
}

/**
 * Resets the whole cluster (k0sctl reset): a run that takes k0s off every
 * host, workers first, the leader last. Refused unless `confirm` names the
 * cluster; the dry run plans from the stored facts and touches nothing.
 */
export async function resetCluster(env: Env, input: ResetInput): Promise<{ run: RunSummary } | ResetDryRunResponse> {
  if (input.dryRun) {
    const loaded = await loadRunInputs(openDb(env.DB), input.cluster);
    if (!loaded.ok) throw KeelError.from(loaded.error);
    const planned = planDryRun("reset", loaded.inputs, {});
    if (!planned.ok) throw new KeelError("invalid_spec", `cannot plan the reset of cluster ${input.cluster}: ${planned.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, planned.issues);
    await appendAudit(env.DB, { actor: input.actor, action: "cluster.reset.dry_run", cluster: input.cluster, target: input.cluster, outcome: "ok", details: { phases: planned.plan.phases.length } });
    return { dryRun: true, plan: { phases: planned.plan.phases }, warnings: planned.plan.warnings };
  }
  if (input.confirm !== input.cluster) {
    const why = input.confirm === undefined ? "is missing" : `is ${JSON.stringify(input.confirm)}`;
    throw new KeelError("validation_failed", `a reset removes k0s and all its data from every host of cluster ${input.cluster}: repeat the cluster's name in confirm (confirm ${why})`, [{ path: "query.confirm", message: `must be "${input.cluster}"` }]);
  }
  return { run: await startRun(env, { cluster: input.cluster, operation: "reset", requestedBy: input.actor }) };
}

import { KeelError } from "../../../schema/errors";
import type { DryRunResponse } from "../../../schema/run-api";
import { loadRunInputs } from "../../core/load-run-inputs";
import { openDb } from "../../core/db";
import type { Env } from "../../core/env";
import { planDryRun } from "../../planner/plan-dry-run";
import { appendAudit } from "../../core/audit-append";

export interface DryRunInput {
  cluster: string;
  actor: string;
  waitTimeoutMs?: number;
}

/**
 * What `apply` would do now: the planning an apply run does, with the stored
 * facts in place of the gather phases. Touches no host and starts no run; the
 * answer is only as fresh as the stored facts, and says so.
 */
export async function dryRunApply(env: Env, input: DryRunInput): Promise<DryRunResponse> {
  const loaded = await loadRunInputs(openDb(env.DB), input.cluster);
  if (!loaded.ok) throw KeelError.from(loaded.error);
  const { inputs } = loaded;
  const planned = planDryRun("apply", inputs, input.waitTimeoutMs !== undefined ? { waitTimeoutMs: input.waitTimeoutMs } : {});
  if (!planned.ok) {
    throw new KeelError("invalid_spec", `cannot plan apply for cluster ${input.cluster}: ${planned.issues.map((e) => `${e.path}: ${e.message}`).join("; ")}`, planned.issues);
  }
  const { phases, changes, warnings } = planned.plan;
  const steps = phases.reduce((n, p) => n + p.steps.length, 0);
  await appendAudit(env.DB, {
    actor: input.actor,
    action: "cluster.apply.dry_run",
    cluster: input.cluster,
    target: input.cluster,
    outcome: "ok",
    details: { revision: inputs.revision, appliedRevision: inputs.appliedRevision, phases: phases.length, steps },
  });
  if (!changes) throw new Error("the apply planner returned no changes");
  return { dryRun: true, revision: inputs.revision, plan: { phases }, changes, warnings };
}

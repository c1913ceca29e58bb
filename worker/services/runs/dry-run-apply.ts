import { hostKey } from "../../../schema/cluster";
import type { DryRunResponse } from "../../../schema/run-api";
import { openDb } from "../../core/db";
import type { Env } from "../../core/env";
import { KeelError } from "../../../schema/errors";
import type { ApplyFacts } from "../../planner/apply-facts";
import { planApply } from "../../planner/plan-apply";
import { PlanError, hostKey as targetKey, type Plan } from "../../planner/plan";
import { applyGatherPlan } from "../../runs/apply-run";
import { loadApplyBaseline, loadClusterForRun } from "../../runs/load-cluster";
import { appendAudit } from "../../core/audit-append";

export interface DryRunInput {
  cluster: string;
  actor: string;
  waitTimeoutMs?: number;
}

/**
 * What `apply` would do now, from the facts stored by the last run: the gather
 * phases every apply starts with, then the planned phases. Touches no host and
 * starts no run; the answer is only as fresh as the stored facts, and says so.
 */
export async function dryRunApply(env: Env, input: DryRunInput): Promise<DryRunResponse> {
  const db = openDb(env.DB);
  const loaded = await loadClusterForRun(db, input.cluster);
  if (!loaded.ok) throw new KeelError(loaded.code, loaded.message, loaded.details);
  let gather: Plan;
  try {
    gather = applyGatherPlan(loaded.spec);
  } catch (err) {
    if (err instanceof PlanError) throw new KeelError("invalid_spec", `cannot plan apply for cluster ${input.cluster}: ${err.message}`, err.issues);
    throw err;
  }
  const baseline = await loadApplyBaseline(db, input.cluster);
  const warnings: string[] = [];
  const facts: ApplyFacts = { hosts: {} };
  const guessed: string[] = [];
  for (const host of loaded.spec.spec.hosts) {
    const key = hostKey(host);
    const stored = baseline.facts?.[key];
    if (stored?.k0s) {
      facts.hosts[key] = stored;
      continue;
    }
    guessed.push(key);
    // Placeholders only let the planner name steps; the response shows kinds and hosts, not these.
    facts.hosts[key] = { arch: "x86_64", hostname: `node-${key.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`, ...stored, k0s: { running: false } };
  }
  if (guessed.length === loaded.spec.spec.hosts.length) {
    warnings.push("no k0s facts are stored for this cluster yet (no apply has gathered them): planned as if k0s were installed on no host; the apply itself gathers facts first and may plan less");
  } else if (guessed.length > 0) {
    warnings.push(`no k0s facts are stored for ${guessed.join(", ")}: planned as if k0s were not installed there`);
  }

  const planned = planApply(loaded.spec, facts, baseline.lastApplied, input.waitTimeoutMs !== undefined ? { timeouts: { readyMs: input.waitTimeoutMs, nodeReadyMs: input.waitTimeoutMs } } : {});
  if (!planned.ok) throw new KeelError("invalid_spec", `cannot plan apply for cluster ${input.cluster}: ${planned.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`, planned.errors);

  const phases = [...gather.phases, ...planned.plan.phases].map((p) => ({
    name: p.name,
    steps: p.steps.map((s) => ({ id: s.id, kind: s.kind, host: targetKey(s.host) })),
  }));
  const steps = phases.reduce((n, p) => n + p.steps.length, 0);
  await appendAudit(env.DB, {
    actor: input.actor,
    action: "cluster.apply.dry_run",
    cluster: input.cluster,
    target: input.cluster,
    outcome: "ok",
    details: { revision: loaded.revision, appliedRevision: baseline.appliedRevision, phases: phases.length, steps },
  });
  return { dryRun: true, revision: loaded.revision, plan: { phases }, changes: planned.changes, warnings: [...warnings, ...planned.warnings] };
}

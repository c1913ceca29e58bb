import { hostKey } from "../../schema/cluster";
import type { StoredHostFacts } from "../../schema/stored-facts";
import type { ApplyChanges } from "./diff";
import { OPERATIONS, type OperationName } from "./operations";
import { hostKey as targetKey } from "../../schema/step-base";
import type { PlanIssue } from "./plan";
import type { RunInputs, RunOptions } from "./run-inputs";

export interface DryRunPlan {
  phases: { name: string; steps: { id: string; kind: string; host: string }[] }[];
  /** What changes against the last applied revision (apply only). */
  changes: ApplyChanges | null;
  warnings: string[];
}

/**
 * What a run of `operation` would do now: the same two planning calls the run
 * makes (OPERATIONS[operation].first, then .next), with the stored facts
 * standing in for what the gather phases would find. Hosts with no stored k0s
 * facts are planned as if k0s were not there, and the warnings say so: the
 * answer is only as fresh as the stored facts.
 */
export function planDryRun(operation: OperationName, inputs: RunInputs, options: RunOptions): { ok: true; plan: DryRunPlan } | { ok: false; issues: PlanIssue[] } {
  const planner = OPERATIONS[operation];
  const first = planner.first(inputs, options);
  if (!first.ok) return first;
  const gathered: Record<string, StoredHostFacts> = {};
  const guessed: string[] = [];
  for (const host of inputs.spec.spec.hosts) {
    const key = hostKey(host);
    const stored = inputs.facts[key];
    if (stored?.k0s) {
      gathered[key] = stored;
      continue;
    }
    guessed.push(key);
    // Placeholders only let the planner name steps; the response shows kinds and hosts, not these.
    gathered[key] = { arch: "x86_64", hostname: `node-${key.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`, ...stored, k0s: { running: false } };
  }
  const warnings: string[] = [];
  if (guessed.length === inputs.spec.spec.hosts.length) {
    warnings.push(`no k0s facts are stored for this cluster yet (no apply has gathered them): planned as if k0s were installed on no host; the ${operation} itself gathers facts first and may plan differently`);
  } else if (guessed.length > 0) {
    warnings.push(`no k0s facts are stored for ${guessed.join(", ")}: planned as if k0s were not installed there`);
  }
  const next = first.gathers ? planner.next(inputs, gathered, options, []) : null;
  if (next && !next.ok) return next;
  // As if every check passed: what a follow-up adds for failed checks cannot be known before they ran.
  const followUp = next && planner.followUp ? planner.followUp(inputs, gathered, options, new Set()) : null;
  if (followUp && !followUp.ok) return followUp;
  const phases = [...first.plan.phases, ...(next?.plan.phases ?? []), ...(followUp?.plan.phases ?? [])].map((p) => ({
    name: p.name,
    steps: p.steps.map((s) => ({ id: s.id, kind: s.kind, host: targetKey(s.host) })),
  }));
  return { ok: true, plan: { phases, changes: next?.changes ?? null, warnings: [...warnings, ...(next?.warnings ?? [])] } };
}

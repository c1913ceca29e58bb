import type { Step } from "../../schema/steps";
import { phaseFromBatches } from "../planner/apply-plan";
import type { PlanPhase } from "../planner/plan";
import { addPhases, type RunState } from "./run-state";

export const CLEANUP_PHASE = { failed: "Clean up after the failure", cancelled: "Clean up after the cancel" } as const;

/**
 * The phase that undoes what a stopped run left half-done: the steps of every
 * cleanup rule whose `ifStarted` step was sent and whose `unlessSucceeded`
 * step did not succeed. Each rule's steps keep their order (one batch per
 * position, as the planner's lockstep does); rules advance side by side. Null
 * when no rule applies.
 */
export function cleanupPhase(state: RunState): PlanPhase | null {
  const sent = (id: string) => {
    const status = state.steps[id]?.status;
    return status !== undefined && status !== "pending" && status !== "skipped";
  };
  const sequences = (state.plan.cleanup ?? [])
    .filter((rule) => sent(rule.ifStarted) && state.steps[rule.unlessSucceeded]?.status !== "succeeded")
    .map((rule) => rule.steps);
  const seen = new Set(Object.keys(state.steps));
  const batches: Step[][] = [];
  for (let k = 0; sequences.some((s) => k < s.length); k++) {
    const batch: Step[] = [];
    for (const sequence of sequences) {
      const step = sequence[k];
      // Two rules may share a step (one host's reset): it runs once.
      if (!step || seen.has(step.id)) continue;
      seen.add(step.id);
      batch.push(step);
    }
    if (batch.length > 0) batches.push(batch);
  }
  if (batches.length === 0) return null;
  return phaseFromBatches(CLEANUP_PHASE[state.ending?.status ?? "failed"], batches);
}

/**
 * Makes the cleanup phase the run's current phase (after every planned one,
 * which stay skipped). Returns what the run's log says about it, or null when
 * there is nothing to clean up.
 */
export function appendCleanupPhase(state: RunState): string | null {
  const ending = state.ending;
  const phase = ending ? cleanupPhase(state) : null;
  if (!ending || !phase) return null;
  const index = state.plan.phases.length;
  addPhases(state, [phase]);
  ending.cleanupPhase = index;
  state.phase = index;
  state.phaseStartedAt = null;
  const hosts = [...new Set(phase.steps.map((s) => state.steps[s.id]?.host ?? ""))].sort().join(", ");
  const n = phase.steps.length;
  return `Run ${ending.status}: running ${n} cleanup ${n === 1 ? "step" : "steps"} on ${hosts} (best effort)`;
}

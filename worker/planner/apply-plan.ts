import type { Step } from "../../schema/steps";

/** Step already includes every K0sStep; the alias keeps planner signatures readable. */
export type PlanStep = Step;

/**
 * A phase of the apply plan. It is the facts plan's PlanPhase plus batches:
 *
 * - `steps` is every step of the phase, in order (so step lookup, per-step
 *   state and the facts engine's bookkeeping work unchanged);
 * - `barriers` lists, ascending, the index in `steps` where each batch after
 *   the first begins. No barriers = one batch.
 * - Batches run in order. A batch starts only when every step of the previous
 *   batch succeeded; a failed step fails the phase and later batches are
 *   skipped. Steps inside one batch never depend on each other: the engine may
 *   run them all at once, up to `concurrency` (the facts engine's extra rule
 *   "one host's steps run in plan order" is harmless inside a batch).
 *
 * Every ordering the planner needs is expressed with barriers alone: a host's
 * sequence (stop → replace binary → install → start → wait) is spread over
 * consecutive batches, several hosts' sequences advance side by side, and
 * steps that target one host but run on the leader (tokens, drain, node
 * waits) sit in the batch where their host's sequence needs them.
 */
export interface ApplyPhase {
  name: string;
  steps: PlanStep[];
  barriers: number[];
  /** Overrides the plan's concurrency for this phase (uploads use spec.options.concurrency.uploads). */
  concurrency?: number;
}

/**
 * When a run fails, the engine runs `steps` (in order, best effort) for every
 * rule whose `ifStarted` step was started and whose `unlessSucceeded` step did
 * not succeed: a host that got `k0s install` but never became ready is
 * `k0s reset`, a join token that was created but not invalidated is invalidated.
 */
export interface CleanupRule {
  ifStarted: string;
  unlessSucceeded: string;
  steps: PlanStep[];
}

export interface ApplyPlan {
  phases: ApplyPhase[];
  /** spec.options.concurrency.limit */
  concurrency: number;
  cleanup: CleanupRule[];
}

/** Builds a phase from batches, dropping empty ones. */
export function phaseFromBatches(name: string, batches: PlanStep[][], concurrency?: number): ApplyPhase {
  const steps: PlanStep[] = [];
  const barriers: number[] = [];
  for (const batch of batches) {
    if (batch.length === 0) continue;
    if (steps.length > 0) barriers.push(steps.length);
    steps.push(...batch);
  }
  return { name, steps, barriers, ...(concurrency !== undefined ? { concurrency } : {}) };
}

/**
 * Several hosts' step sequences advancing side by side: batch k holds the k-th
 * step of every sequence, so each sequence keeps its order and no host runs
 * ahead of its own previous step.
 */
export function lockstep(sequences: PlanStep[][]): PlanStep[][] {
  const longest = Math.max(0, ...sequences.map((s) => s.length));
  const batches: PlanStep[][] = [];
  for (let k = 0; k < longest; k++) {
    batches.push(sequences.flatMap((s) => s.slice(k, k + 1)));
  }
  return batches;
}

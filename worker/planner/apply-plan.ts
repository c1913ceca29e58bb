import type { Step } from "../../schema/steps";
import type { PlanPhase } from "./plan";

/**
 * Builders for phases made of batches (see PlanPhase.barriers). Every
 * ordering the planner needs is expressed with barriers alone: a host's
 * sequence (stop → replace binary → install → start → wait) is spread over
 * consecutive batches, several hosts' sequences advance side by side, and
 * steps that target one host but run on the leader (tokens, drain, node
 * waits) sit in the batch where their host's sequence needs them.
 */

/** Builds a phase from batches, dropping empty ones. */
export function phaseFromBatches(name: string, batches: Step[][], concurrency?: number): PlanPhase {
  const steps: Step[] = [];
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
export function lockstep(sequences: Step[][]): Step[][] {
  const longest = Math.max(0, ...sequences.map((s) => s.length));
  const batches: Step[][] = [];
  for (let k = 0; k < longest; k++) {
    batches.push(sequences.flatMap((s) => s.slice(k, k + 1)));
  }
  return batches;
}

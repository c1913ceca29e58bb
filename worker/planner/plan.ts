import type { Step } from "../../schema/steps";

/**
 * What every planner returns: ordered phases, each a set of typed steps. The
 * run state machine executes phases one after another. Within a phase, steps
 * run in batches (see `barriers`); inside a batch, steps for different hosts
 * run in parallel and steps for one host run in order.
 */
export interface PlanPhase {
  /** Named as k0sctl prints it ("Connect to hosts"); shown to users and in errors. */
  name: string;
  steps: Step[];
  /**
   * Ascending indexes in `steps` where each batch after the first begins (none:
   * one batch). A batch starts only when every step of the previous one
   * succeeded; a failed step fails the phase and later batches never start.
   */
  barriers?: number[];
  /** Overrides the plan's concurrency for this phase (uploads). */
  concurrency?: number;
  /** Every step gets its chance and none fails the run (cleanup phases). */
  bestEffort?: boolean;
}

/**
 * Steps to run, in order and best effort, when a run fails or is cancelled:
 * for every rule whose `ifStarted` step was sent and whose `unlessSucceeded`
 * step did not succeed (a host installed but never ready is reset, a join
 * token created but not invalidated is invalidated).
 */
export interface CleanupRule {
  ifStarted: string;
  unlessSucceeded: string;
  steps: Step[];
}

export interface Plan {
  phases: PlanPhase[];
  /** Upper bound on steps in flight at once (spec.options.concurrency.limit). */
  concurrency: number;
  cleanup?: CleanupRule[];
}

export interface PlanIssue {
  /** Where in the spec the problem is, e.g. `spec.hosts[2].openSSH.configPath`. */
  path: string;
  message: string;
}

/** The spec cannot be turned into steps; every issue found is listed, not just the first. */
export class PlanError extends Error {
  constructor(readonly issues: PlanIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join("; "));
    this.name = "PlanError";
  }
}


/** A phase's steps split at its barriers. */
export function batchesOf(phase: PlanPhase): Step[][] {
  const bounds = [0, ...(phase.barriers ?? []), phase.steps.length];
  const batches: Step[][] = [];
  for (let i = 0; i + 1 < bounds.length; i++) batches.push(phase.steps.slice(bounds[i], bounds[i + 1]));
  return batches;
}

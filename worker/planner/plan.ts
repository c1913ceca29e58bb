import type { Step } from "../../schema/steps";

/**
 * What every planner returns: ordered phases, each a set of typed steps. The
 * run state machine executes phases one after another; within a phase, steps
 * for different hosts run in parallel and steps for one host run in order.
 */
export interface PlanPhase {
  /** Named as k0sctl prints it ("Connect to hosts"); shown to users and in errors. */
  name: string;
  steps: Step[];
}

export interface Plan {
  phases: PlanPhase[];
  /** Upper bound on steps in flight at once (spec.options.concurrency.limit). */
  concurrency: number;
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

/** "address:port": how hosts are named in steps, events, facts and errors (as k0sctl prints them). */
export function hostKey(target: { address: string; port: number }): string {
  return `${target.address}:${target.port}`;
}

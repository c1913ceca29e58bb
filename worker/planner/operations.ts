import type { K0sFactsReport } from "../../schema/steps-k0s";
import type { ApplyChanges } from "./diff";
import type { RunReport } from "../../schema/step-reports";
import type { StoredHostFacts } from "../../schema/stored-facts";
import { applyGatherPlan, applyHookPaths, planApplyRun } from "./plan-apply-run";
import { planFacts } from "./plan-facts";
import { backupGatherPlan, backupHookPaths, planBackupRun } from "./plan-backup";
import { planCertsInventory } from "./plan-certs-inventory";
import { planCertsRenewRun, renewGatherPlan } from "./plan-certs-renew";
import { planResetRun, resetGatherPlan, resetHookPaths } from "./plan-reset";
import { planRestoreRun, RestoreRefused, restoreFirst } from "./plan-restore";
import { planRestoreFollowUp } from "./plan-restore-rejoin";
import { PlanError, type Plan, type PlanIssue } from "./plan";
import type { RunInputs, RunOptions } from "./run-inputs";

/** Every operation a run can carry out. */
export const OPERATION_NAMES = ["facts", "apply", "reset", "backup", "restore", "certs.inventory", "certs.renew"] as const;
export type OperationName = (typeof OPERATION_NAMES)[number];

/** The phases a run starts with; when `gathers`, the rest is planned from what they found. */
export interface FirstPlan {
  plan: Plan;
  gathers: boolean;
  /** Spec paths of hooks the whole run will run, known before any host is touched (refused up front when the relay forbids hooks). */
  hookPaths: string[];
}

/** The phases planned once the gather phases are in. */
export interface NextPlan {
  plan: Plan;
  /** One line for the run's log ("Planned 9 phases (40 steps) against …"). */
  summary: string;
  warnings: string[];
  /** The k0s facts each host has once the run succeeds (stored as the cluster's facts then), or null to keep what was gathered. */
  expected: Record<string, K0sFactsReport> | null;
  /** What changes against the last applied revision (apply only; the dry run shows it). */
  changes: ApplyChanges | null;
}

export type Planned<T> = ({ ok: true } & T) | { ok: false; issues: PlanIssue[] };

/**
 * An operation, as the run engine sees it: pure planning functions and two
 * traits. Adding an operation means writing its planner and adding it here
 * (with its step kinds in schema/ and their renderers in relay/steps/); the
 * engine itself does not change.
 */
export interface OperationPlanner {
  /** How the run's first log line starts ("Applying cluster k0s-cluster …"). */
  verb: string;
  /** What a succeeded run makes of the cluster's applied revision: its own revision (apply), none (reset), or unchanged. */
  onSuccess: "applied" | "reset" | null;
  first(inputs: RunInputs, options: RunOptions): Planned<FirstPlan>;
  /** Called once, after every phase of `first` succeeded, with what they gathered (only when `first` said it gathers): host facts and step reports. */
  next(inputs: RunInputs, gathered: Record<string, StoredHostFacts>, options: RunOptions, reports: readonly RunReport[]): Planned<NextPlan>;
  /**
   * Called once, after every phase of `next` finished, with the ids of its
   * steps that failed in best-effort phases: for what depends on how checks
   * came out, which no plan made before them can know (a restore rejoins the
   * workers that did not come back Ready). Its phases end the run.
   */
  followUp?(inputs: RunInputs, gathered: Record<string, StoredHostFacts>, options: RunOptions, failedSteps: ReadonlySet<string>): Planned<NextPlan>;
}

const facts: OperationPlanner = {
  verb: "Gathering facts for",
  onSuccess: null,
  first: (inputs) => caught(() => ({ plan: planFacts(inputs.spec), gathers: false, hookPaths: [] })),
  next: () => ({ ok: true, plan: { phases: [], concurrency: 1 }, summary: "", warnings: [], expected: null, changes: null }),
};

const apply: OperationPlanner = {
  verb: "Applying",
  onSuccess: "applied",
  first: (inputs) => caught(() => ({ plan: applyGatherPlan(inputs.spec), gathers: true, hookPaths: applyHookPaths(inputs.spec) })),
  next: (inputs, gathered, options) => planApplyRun(inputs, gathered, options),
};

const reset: OperationPlanner = {
  verb: "Resetting",
  onSuccess: "reset",
  first: (inputs) => caught(() => ({ plan: resetGatherPlan(inputs.spec), gathers: true, hookPaths: resetHookPaths(inputs.spec) })),
  next: (inputs, gathered) => planResetRun(inputs, gathered),
};

const backup: OperationPlanner = {
  verb: "Backing up",
  onSuccess: null,
  first: (inputs) => caught(() => ({ plan: backupGatherPlan(inputs.spec), gathers: true, hookPaths: backupHookPaths(inputs.spec) })),
  next: (inputs, gathered) => planBackupRun(inputs, gathered),
};

const restore: OperationPlanner = {
  verb: "Restoring",
  // The spec is installed anew onto the restored state: the run's revision is what the cluster now runs.
  onSuccess: "applied",
  first: (inputs, options) => caught(() => ({ ...restoreFirst(inputs, options), gathers: true })),
  next: (inputs, gathered, options) => planRestoreRun(inputs, gathered, options),
  followUp: (inputs, gathered, options, failed) => planRestoreFollowUp(inputs, gathered, options, failed),
};


const certsInventory: OperationPlanner = {
  verb: "Reading the certificates of",
  onSuccess: null,
  first: (inputs) => caught(() => ({ plan: planCertsInventory(inputs.spec), gathers: false, hookPaths: [] })),
  next: facts.next,
};

const certsRenew: OperationPlanner = {
  verb: "Renewing the certificates of",
  onSuccess: null,
  first: (inputs) => caught(() => ({ plan: renewGatherPlan(inputs.spec), gathers: true, hookPaths: [] })),
  next: (inputs, gathered, options, reports) => planCertsRenewRun(inputs, gathered, options, reports),
};


export const OPERATIONS: Readonly<Record<OperationName, OperationPlanner>> = { facts, apply, reset, backup, restore, "certs.inventory": certsInventory, "certs.renew": certsRenew };

/** The facts planners throw PlanError; the engine wants a value. */
function caught<T>(plan: () => T): Planned<T> {
  try {
    return { ok: true, ...plan() };
  } catch (err) {
    if (err instanceof PlanError || err instanceof RestoreRefused) return { ok: false, issues: err.issues };
    throw err;
  }
}
